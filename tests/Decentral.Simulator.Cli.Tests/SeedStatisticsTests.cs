using Decentral.Simulator.Cli.Reproduction;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Tests;

public sealed class SeedStatisticsTests
{
    // Two seeds of a comparison "g". Mean final accuracy: MoDeST 89%, FedAvg 91%, so the target is
    // floor(0.89 x 0.95 x 200) / 200 = 84.5%. MoDeST reaches it at 60 s / 96 s, FedAvg at 50 s / 100 s,
    // D-PSGD only with seed 1.
    private static readonly RunResult[] TwoSeeds =
    [
        Run("modest", 1, (60, 10_000_000, 0.86, 10), (120, 20_000_000, 0.90, 20)),
        Run("modest", 2, (96, 15_000_000, 0.86, 16), (120, 20_000_000, 0.88, 20)),
        Run("fedavg", 1, (50, 9_000_000, 0.86, 9), (120, 22_000_000, 0.92, 22)),
        Run("fedavg", 2, (100, 18_000_000, 0.87, 18), (120, 22_000_000, 0.90, 20)),
        Run("dpsgd", 1, (110, 60_000_000, 0.87, 30), (120, 70_000_000, 0.86, 33)),
        Run("dpsgd", 2, (120, 80_000_000, 0.80, 40)),
    ];

    private static RunResult Run(string algorithm, int seed, params (double Seconds, long Bytes, double Metric, long Round)[] points)
    {
        var scenario = new Scenario { Seed = seed, Algorithm = algorithm, Learning = { Model = "softmax", Task = "mnist" } };
        var curve = new List<CurvePoint> { new(0, 0, 0.1, 100) };
        curve.AddRange(points.Select(p => new CurvePoint(p.Seconds, p.Bytes, p.Metric, 100, p.Round)));
        var last = points[^1];
        return new RunResult(new Experiment($"g-{algorithm}", "g", algorithm, scenario), curve, FakeRuns.Summary(last.Round, last.Seconds, last.Bytes), 0);
    }

    [Fact]
    public void Target_UsesMeanFinalValuesOverSeeds()
    {
        Assert.Equal(0.845, SeedStatistics.Target(TwoSeeds)!.Value, 9);
    }

    [Fact]
    public void Summarize_GivesMeanRangeAndReachedCount()
    {
        var byAlgorithm = SeedStatistics.ByAlgorithm(TwoSeeds);
        var modest = SeedStatistics.Summarize(byAlgorithm[0], 0.845);
        var dpsgd = SeedStatistics.Summarize(byAlgorithm[2], 0.845);

        Assert.Equal("modest", modest.Algorithm);
        Assert.Equal((2, 2), (modest.Reached, modest.Seeds));
        Assert.Equal(new Spread(78, 60, 96, 2), modest.SecondsToTarget);
        Assert.Equal(new Spread(13, 10, 16, 2), modest.RoundsToTarget);
        Assert.Equal(new Spread(12_500_000, 10_000_000, 15_000_000, 2), modest.BytesToTarget);
        Assert.Equal(0.89, modest.Final!.Value.Mean, 9);
        Assert.Equal((0.88, 0.90), (modest.Final.Value.Min, modest.Final.Value.Max));

        Assert.Equal((1, 2), (dpsgd.Reached, dpsgd.Seeds));
        Assert.Equal(new Spread(110, 110, 110, 1), dpsgd.SecondsToTarget);
        Assert.Null(SeedStatistics.Summarize(byAlgorithm[2], 0.99).SecondsToTarget);
    }

    [Fact]
    public void Ratios_FromMeansAndPerSeed()
    {
        var ratios = SeedStatistics.Ratios("g", TwoSeeds, 0.845);

        Assert.Equal(78.0 / 75.0, ratios.Time!.Value, 9);
        Assert.Equal(2, ratios.TimePerSeed.Count);
        Assert.Equal(60.0 / 50.0, ratios.TimePerSeed[0]!.Value, 9);
        Assert.Equal(96.0 / 100.0, ratios.TimePerSeed[1]!.Value, 9);

        // D-PSGD misses the target with seed 2: its total traffic stands in, a lower bound.
        Assert.Equal(70.0 / 12.5, ratios.Bytes!.Value.Value, 9);
        Assert.True(ratios.Bytes.Value.LowerBound);
        Assert.Equal(new Ratio(6.0), ratios.BytesPerSeed[0]);
        Assert.Equal(80.0 / 15.0, ratios.BytesPerSeed[1]!.Value.Value, 9);
        Assert.True(ratios.BytesPerSeed[1]!.Value.LowerBound);
    }

    [Fact]
    public void Ratios_TimeIsMissingUnlessEverySeedReached()
    {
        var ratios = SeedStatistics.Ratios("g", TwoSeeds, 0.895);

        // Both FedAvg seeds reach 89.5% at 120 s, MoDeST only with seed 1 (its seed 2 ends at 88%).
        Assert.Null(ratios.Time);
        Assert.Null(ratios.TimePerSeed[1]);
        Assert.Equal(1.0, ratios.TimePerSeed[0]!.Value, 9);
        Assert.Null(ratios.Bytes);
    }

    [Fact]
    public void Report_TwoSeeds_ShowsMeansRangesReachedAndRatios()
    {
        var text = Write(TwoSeeds);

        Assert.Contains("Target accuracy (from the mean final values over seeds): 84.5%.", text);
        Assert.Contains("| algorithm | rounds | virtual time | reached | time to target | rounds to target | bytes to target | final accuracy | best accuracy | total traffic | wall time |", text);
        Assert.Contains("| modest | 20 | 2.0 min | 2/2 | 1.3 min (1.0-1.6) | 13 (10-16) | 12.5 MB (10.0-15.0) | 89.0% (88.0-90.0) | 89.0% | 20.0 MB | 0 s |", text);
        Assert.Contains("| dpsgd | 36 | 2.0 min | 1/2 | 1.8 min | 30 | 60.0 MB | 83.0% (80.0-86.0) | 83.5% | 75.0 MB | 0 s |", text);
        Assert.Contains("| comparison | MoDeST / FedAvg time to target (goal <= 1.1) | per seed | D-PSGD / MoDeST bytes to target (goal >= 3) | per seed |", text);
        Assert.Contains("| g | 1.04 | 1.20, 0.96 | >5.6 | 6.0, >5.3 |", text);
    }

    [Fact]
    public void Report_OneSeed_KeepsTheSingleSeedLayout()
    {
        var text = Write(TwoSeeds.Where(r => r.Experiment.Seed == 1).ToList());

        Assert.DoesNotContain("| reached |", text);
        Assert.DoesNotContain("per seed", text);
        Assert.Contains("| modest | 20 | 2.0 min | 1.0 min | 10 | 10.0 MB | 90.0% | 90.0% | 20.0 MB | 0 s |", text);
        Assert.Contains("| g | 1.20 | 6.0 |", text);
    }

    [Fact]
    public void Codecs_AgainstFp32Modest_FewerBytesTimeAndDpsgdRatiosPerSeed()
    {
        // The int8 run sends a quarter of fp32 MoDeST's bytes to the target, 10% later with seed 2.
        RunResult[] runs =
        [
            .. TwoSeeds,
            Run("modest int8", 1, (60, 2_500_000, 0.86, 10), (120, 5_000_000, 0.90, 20)),
            Run("modest int8", 2, (105.6, 3_750_000, 0.86, 18), (120, 5_000_000, 0.88, 20)),
        ];

        var codec = Assert.Single(SeedStatistics.Codecs("g", runs, 0.845));

        Assert.Equal("modest int8", codec.Algorithm);
        Assert.Equal(12.5 / 3.125, codec.FewerBytes!.Value, 9);
        Assert.Equal([4.0, 4.0], codec.FewerBytesPerSeed.Select(r => r!.Value));
        Assert.Equal((60 + 105.6) / (60 + 96.0), codec.Time!.Value, 9);
        Assert.Equal(1.1, codec.TimePerSeed[1]!.Value, 9);
        Assert.Equal(new Ratio(24.0), codec.DpsgdPerSeed[0]);
        Assert.True(codec.Dpsgd!.Value.LowerBound);
        Assert.Equal(70.0 / 3.125, codec.Dpsgd.Value.Value, 9);
        Assert.Equal(0.845, SeedStatistics.Target(runs)!.Value, 9);

        var text = Write(runs);
        Assert.Contains("| g | int8 | 4.00 | 4.00, 4.00 | 1.06 | 1.00, 1.10 | >22.4 | 24.0, >21.3 | yes |", text);
    }

    [Fact]
    public void Codecs_ASeedMissesTheTarget_NoMeanAndNotMet()
    {
        RunResult[] runs = [.. TwoSeeds, Run("modest fp16", 1, (60, 5_000_000, 0.86, 10)), Run("modest fp16", 2, (120, 9_000_000, 0.80, 20))];

        var codec = Assert.Single(SeedStatistics.Codecs("g", runs, 0.845));

        Assert.Null(codec.FewerBytes);
        Assert.Null(codec.Time);
        Assert.Null(codec.FewerBytesPerSeed[1]);
        Assert.Contains("| g | fp16 | - | 2.00, - | - | 1.00, - |", Write(runs));
        Assert.Contains("no (a seed missed the target)", Write(runs));
    }

    [Fact]
    public void Plan_ImageComparisons_RunMoDeStWithEveryCodec()
    {
        var plan = ReproductionPlan.Create(quick: false);

        var codecs = plan.Where(e => e.Group == "mnist-iid" && e.Algorithm.StartsWith("modest ", StringComparison.Ordinal)).ToList();
        Assert.Equal(ReproductionPlan.Codecs.Count, codecs.Count);
        Assert.All(codecs, e => Assert.StartsWith("mnist-iid-modest-", e.Id, StringComparison.Ordinal));
        Assert.All(codecs, e => Assert.Equal("modest", e.Scenario.Algorithm));
        Assert.Equal(ReproductionPlan.Codecs.Select(c => c.Name), codecs.Select(e => e.Scenario.Protocol.Codec.Name));
        Assert.Equal("fp32", plan.Single(e => e.Id == "mnist-iid-modest").Scenario.Protocol.Codec.Name);
        Assert.DoesNotContain(plan, e => e.Group is "movielens" or "crash" or "join" && e.Algorithm.Contains(' ', StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_RunsEachExperimentWithConsecutiveSeeds()
    {
        var one = ReproductionPlan.Create(quick: true);
        var three = ReproductionPlan.Create(quick: true, seeds: 3);

        Assert.Equal(3 * one.Count, three.Count);
        Assert.Equal([1, 2, 3], three.Take(3).Select(e => e.Seed));
        Assert.All(three.Take(3), e => Assert.Equal(one[0].Id, e.Id));
        Assert.Equal([one[0].Id, one[0].Id + "-s2", one[0].Id + "-s3"], three.Take(3).Select(e => e.RunName));
        Assert.NotSame(three[0].Scenario, three[1].Scenario);
    }

    private static string Write(IReadOnlyList<RunResult> results)
    {
        var folder = Path.Combine(Path.GetTempPath(), "seed-stats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            return ReproductionReport.Write(folder, "decentral-sim reproduce", quick: true, results);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
