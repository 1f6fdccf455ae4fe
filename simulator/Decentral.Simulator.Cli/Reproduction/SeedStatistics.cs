namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>Mean and range of one quantity over the seeds that have a value for it.</summary>
/// <param name="Mean">Mean over the values.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Count">How many values (seeds) it is made of.</param>
public readonly record struct Spread(double Mean, double Min, double Max, int Count)
{
    /// <summary>The spread of the finite values, or null when there are none.</summary>
    public static Spread? Of(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).ToList();
        return list.Count == 0 ? null : new Spread(list.Average(), list.Min(), list.Max(), list.Count);
    }
}

/// <summary>One algorithm of a comparison, summed up over its seeds.</summary>
/// <param name="Algorithm">The algorithm.</param>
/// <param name="Seeds">How many seeds (runs) it has.</param>
/// <param name="Reached">How many of them reached the target.</param>
/// <param name="SecondsToTarget">Virtual seconds to the target, over the seeds that reached it.</param>
/// <param name="RoundsToTarget">Rounds to the target, over the seeds that reached it.</param>
/// <param name="BytesToTarget">Bytes to the target, over the seeds that reached it.</param>
/// <param name="Final">Final metric.</param>
/// <param name="Best">Best metric.</param>
/// <param name="Rounds">Rounds run.</param>
/// <param name="VirtualSeconds">Virtual seconds run.</param>
/// <param name="TotalBytes">Bytes sent in all.</param>
/// <param name="WallSeconds">Wall-clock seconds per run.</param>
public sealed record AlgorithmSummary(
    string Algorithm,
    int Seeds,
    int Reached,
    Spread? SecondsToTarget,
    Spread? RoundsToTarget,
    Spread? BytesToTarget,
    Spread? Final,
    Spread? Best,
    Spread? Rounds,
    Spread? VirtualSeconds,
    Spread? TotalBytes,
    Spread? WallSeconds);

/// <summary>A ratio of the targets, for one seed or for the means over seeds.</summary>
/// <param name="Value">The ratio.</param>
/// <param name="LowerBound">True when the numerator's algorithm did not reach the target and all it sent was used instead.</param>
public readonly record struct Ratio(double Value, bool LowerBound = false);

/// <summary>The two ratios for one comparison.</summary>
/// <param name="Group">The comparison.</param>
/// <param name="Time">MoDeST / FedAvg time to target from the means over seeds; null unless every seed of both reached it.</param>
/// <param name="TimePerSeed">The same ratio per seed, in seed order (null where either missed the target).</param>
/// <param name="Bytes">D-PSGD / MoDeST bytes to target from the means over seeds; null unless MoDeST reached it with every seed.</param>
/// <param name="BytesPerSeed">The same ratio per seed, in seed order.</param>
public sealed record TargetRatios(string Group, double? Time, IReadOnlyList<double?> TimePerSeed, Ratio? Bytes, IReadOnlyList<Ratio?> BytesPerSeed);

/// <summary>One codec of a comparison against plain fp32 MoDeST (the codec goals).</summary>
/// <param name="Group">The comparison.</param>
/// <param name="Algorithm">The codec run's name ("modest int8+zstd").</param>
/// <param name="FewerBytes">fp32 MoDeST bytes to target / this codec's, from the means; null unless both reached it with every seed.</param>
/// <param name="FewerBytesPerSeed">The same per seed, in seed order.</param>
/// <param name="Time">This codec's time to target / fp32 MoDeST's, from the means; null unless both reached it with every seed.</param>
/// <param name="TimePerSeed">The same per seed.</param>
/// <param name="Dpsgd">D-PSGD (fp32) bytes to target / this codec's, as <see cref="TargetRatios.Bytes"/>.</param>
/// <param name="DpsgdPerSeed">The same per seed.</param>
public sealed record CodecRatios(string Group, string Algorithm, double? FewerBytes, IReadOnlyList<double?> FewerBytesPerSeed, double? Time, IReadOnlyList<double?> TimePerSeed, Ratio? Dpsgd, IReadOnlyList<Ratio?> DpsgdPerSeed);

/// <summary>
/// The numbers of the reproduction report over seeds: one target per comparison, per-algorithm
/// means and ranges, and the ratios. Pure functions of the run results.
/// </summary>
public static class SeedStatistics
{
    /// <summary>
    /// The target of a comparison (all runs of the group, every seed), set by the federated-style
    /// algorithms so that MoDeST and FedAvg both reach it: 95% of the lower of their mean final
    /// accuracies over seeds (rounded down to 0.5%); for RMSE three quarters of the way from the
    /// mean initial RMSE to the higher of their mean final RMSEs. One seed: that seed's values.
    /// </summary>
    public static double? Target(IReadOnlyList<RunResult> runs)
    {
        var reference = runs
            .Where(r => r.Experiment.Algorithm is "modest" or "fedavg")
            .GroupBy(r => r.Experiment.Algorithm)
            .Select(g => Spread.Of(g.Select(r => r.Final)))
            .OfType<Spread>()
            .Select(s => s.Mean)
            .ToList();
        if (reference.Count == 0)
        {
            return null;
        }

        if (!runs[0].Experiment.LowerIsBetter)
        {
            return Math.Floor(reference.Min() * 0.95 * 200) / 200;
        }

        // RMSE starts close to its floor (the initial bias is the mean rating): the target is three
        // quarters of the way from the initial RMSE down to the worse final RMSE of the two.
        var first = runs[0].Experiment.Algorithm;
        var initial = runs.Where(r => r.Experiment.Algorithm == first && r.Curve.Count > 0).Average(r => r.Curve[0].Metric);
        var worse = reference.Max();
        return Math.Ceiling((worse + (0.25 * Math.Max(0, initial - worse))) * 1000) / 1000;
    }

    /// <summary>The runs of a comparison per algorithm (first-seen order), each in seed order.</summary>
    public static IReadOnlyList<IReadOnlyList<RunResult>> ByAlgorithm(IEnumerable<RunResult> runs) =>
        runs.GroupBy(r => r.Experiment.Algorithm).Select(g => (IReadOnlyList<RunResult>)g.OrderBy(r => r.Experiment.Seed).ToList()).ToList();

    /// <summary>One algorithm's runs (one per seed) against the comparison's target.</summary>
    public static AlgorithmSummary Summarize(IReadOnlyList<RunResult> seedRuns, double? target)
    {
        var hits = seedRuns.Select(r => target is { } t ? r.FirstReaching(t) : null).OfType<CurvePoint>().ToList();
        return new AlgorithmSummary(
            seedRuns[0].Experiment.Algorithm,
            seedRuns.Count,
            hits.Count,
            Spread.Of(hits.Select(h => h.Seconds)),
            Spread.Of(hits.Select(h => (double)h.Round)),
            Spread.Of(hits.Select(h => (double)h.Bytes)),
            Spread.Of(seedRuns.Select(r => r.Final)),
            Spread.Of(seedRuns.Select(r => r.Best)),
            Spread.Of(seedRuns.Select(r => (double)r.Summary.Rounds)),
            Spread.Of(seedRuns.Select(r => r.Summary.VirtualSeconds)),
            Spread.Of(seedRuns.Select(r => (double)r.Summary.TotalBytes)),
            Spread.Of(seedRuns.Select(r => r.WallSeconds)));
    }

    /// <summary>
    /// The ratios for a comparison: MoDeST / FedAvg time to target and D-PSGD / MoDeST bytes
    /// to target, per seed and from the means over seeds. Where D-PSGD misses the target its total
    /// traffic stands in for its bytes to target, and the ratio is a lower bound.
    /// </summary>
    public static TargetRatios Ratios(string group, IReadOnlyList<RunResult> runs, double target)
    {
        var seeds = Seeds(runs);
        var modest = Hits(runs, "modest", seeds, target);
        var fedavg = Hits(runs, "fedavg", seeds, target);
        var dpsgd = DpsgdBytes(runs, seeds, target);
        var (time, timePerSeed) = SecondsRatio(modest, fedavg);
        var (bytes, bytesPerSeed) = DpsgdRatio(dpsgd, modest);
        return new TargetRatios(group, time, timePerSeed, bytes, bytesPerSeed);
    }

    /// <summary>
    /// Every MoDeST codec run of a comparison ("modest ..." other than plain "modest") against
    /// plain fp32 MoDeST: how many times fewer bytes to target, time to target, and D-PSGD's bytes
    /// to target over the codec's.
    /// </summary>
    public static IReadOnlyList<CodecRatios> Codecs(string group, IReadOnlyList<RunResult> runs, double target)
    {
        var seeds = Seeds(runs);
        var fp32 = Hits(runs, "modest", seeds, target);
        var dpsgd = DpsgdBytes(runs, seeds, target);
        var result = new List<CodecRatios>();
        foreach (var algorithm in runs.Select(r => r.Experiment.Algorithm).Where(a => a.StartsWith("modest ", StringComparison.Ordinal)).Distinct())
        {
            var codec = Hits(runs, algorithm, seeds, target);
            var (time, timePerSeed) = SecondsRatio(codec, fp32);
            var fewerPerSeed = seeds.Select((_, k) => codec[k] is { Bytes: > 0 } c && fp32[k] is { } f ? f.Bytes / (double)c.Bytes : (double?)null).ToList();
            double? fewer = codec.All(c => c is { Bytes: > 0 }) && fp32.All(f => f is not null)
                ? fp32.Average(f => (double)f!.Value.Bytes) / codec.Average(c => (double)c!.Value.Bytes)
                : null;
            var (dpsgdRatio, dpsgdPerSeed) = DpsgdRatio(dpsgd, codec);
            result.Add(new CodecRatios(group, algorithm, fewer, fewerPerSeed, time, timePerSeed, dpsgdRatio, dpsgdPerSeed));
        }

        return result;
    }

    private static List<int> Seeds(IReadOnlyList<RunResult> runs) => runs.Select(r => r.Experiment.Seed).Distinct().Order().ToList();

    // Per seed, the point where `algorithm` first reached the target (null: missed it, or no such run).
    private static List<CurvePoint?> Hits(IReadOnlyList<RunResult> runs, string algorithm, List<int> seeds, double target) =>
        seeds.Select(s => runs.FirstOrDefault(r => r.Experiment.Algorithm == algorithm && r.Experiment.Seed == s)?.FirstReaching(target)).ToList();

    // D-PSGD's bytes to target, or all it sent (lower bound), per seed; null without a D-PSGD run.
    private static List<(double Bytes, bool LowerBound)?> DpsgdBytes(IReadOnlyList<RunResult> runs, List<int> seeds, double target) =>
        seeds.Select(s => runs.FirstOrDefault(r => r.Experiment.Algorithm == "dpsgd" && r.Experiment.Seed == s) is { } run
            ? run.FirstReaching(target) is { } d ? (Bytes: (double)d.Bytes, LowerBound: false) : (Bytes: (double)run.Summary.TotalBytes, LowerBound: true)
            : ((double Bytes, bool LowerBound)?)null).ToList();

    // numerator / denominator seconds to target, per seed and from the means (null unless every seed of both reached it).
    private static (double? Mean, List<double?> PerSeed) SecondsRatio(List<CurvePoint?> numerator, List<CurvePoint?> denominator)
    {
        var perSeed = numerator.Select((n, k) => n is { } a && denominator[k] is { Seconds: > 0 } b ? a.Seconds / b.Seconds : (double?)null).ToList();
        double? mean = null;
        if (numerator.All(n => n is not null) && denominator.All(d => d is not null))
        {
            var below = denominator.Average(d => d!.Value.Seconds);
            mean = below > 0 ? numerator.Average(n => n!.Value.Seconds) / below : null;
        }

        return (mean, perSeed);
    }

    private static (Ratio? Mean, List<Ratio?> PerSeed) DpsgdRatio(List<(double Bytes, bool LowerBound)?> dpsgd, List<CurvePoint?> modest)
    {
        var perSeed = modest.Select((m, k) => m is { Bytes: > 0 } a && dpsgd[k] is { } d ? new Ratio(d.Bytes / a.Bytes, d.LowerBound) : (Ratio?)null).ToList();
        Ratio? mean = null;
        if (modest.All(m => m is { Bytes: > 0 }) && dpsgd.All(d => d is not null))
        {
            mean = new Ratio(dpsgd.Average(d => d!.Value.Bytes) / modest.Average(m => (double)m!.Value.Bytes), dpsgd.Any(d => d!.Value.LowerBound));
        }

        return (mean, perSeed);
    }
}
