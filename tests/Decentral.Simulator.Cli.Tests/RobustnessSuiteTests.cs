using Decentral.Simulator.Cli.Reproduction;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Tests;

public sealed class RobustnessSuiteTests
{
    [Fact]
    public void Plan_Quick_EveryAttackFractionAndDefenceOnBothSplits()
    {
        var plan = RobustnessPlan.Create(quick: true);

        // Per split: 6 attack-free defences, 5 attacks x 3 fractions x 6 defences, an attack-free
        // run of each of the 4 trainer-side defences, 3 fractions x 6 aggregator setups, and the
        // two other aggregator poisons at 20% x 6 setups.
        Assert.Equal(2 * (6 + 90 + 4 + 18 + 12), plan.Count);
        Assert.Equal(plan.Count, plan.Select(e => e.Id).Distinct().Count());
        Assert.All(plan, e => Assert.Empty(ScenarioLoader.Validate(e.Scenario)));
        Assert.All(plan, e => Assert.Equal("softmax", e.Scenario.Learning.Model));
        var krum = Assert.Single(plan, e => e.Id == "byz-mnist-iid-signflip20-krum");
        Assert.Equal(("krum", 3, 5), (krum.Scenario.Protocol.Robustness.Rule, krum.Scenario.Protocol.Robustness.KrumByzantine, krum.Scenario.Protocol.Robustness.KrumSelect));
        var defended = Assert.Single(plan, e => e.Id == "byz-mnist-dir0.1-aggregator30-a3median");
        Assert.Equal((3, "median", AttackKinds.Aggregator, 0.3), (defended.Scenario.Protocol.Aggregators, defended.Scenario.Protocol.Robustness.AggregateDefence, defended.Scenario.Attack.Kind, defended.Scenario.Attack.Fraction));
        Assert.False(Assert.Single(plan, e => e.Id == "byz-mnist-iid-clean-mean").Scenario.Attack.Active);
        var reference = Assert.Single(plan, e => e.Id == "byz-mnist-iid-aggregator20-a1ref").Scenario.Protocol;
        Assert.Equal((1, "reference", RobustnessPlan.ChangeBound), (reference.Aggregators, reference.Robustness.AggregateDefence, reference.Robustness.AggregateMaxChange));
        Assert.Single(plan, e => e.Id == "byz-mnist-dir0.1-clean-a3ref");
        var scaled = Assert.Single(plan, e => e.Id == "byz-mnist-iid-aggregator-scale20-a3ref").Scenario;
        Assert.Equal((AttackKinds.Aggregator, AggregatePoisons.Scale, 0.2), (scaled.Attack.Kind, scaled.Attack.AggregatePoison, scaled.Attack.Fraction));
        Assert.Equal(AggregatePoisons.Negate, Assert.Single(plan, e => e.Id == "byz-mnist-iid-aggregator20-a3ref").Scenario.Attack.AggregatePoison);
    }

    [Fact]
    public void Plan_Full_LeNetHeadlineRowsWithThreeSeeds()
    {
        var plan = RobustnessPlan.Create(quick: false, seeds: 3);

        Assert.Equal(3 * 2 * (6 + 30 + 4 + 6 + 12), plan.Count);
        Assert.All(plan, e => Assert.Equal("lenet", e.Scenario.Learning.Model));
        Assert.All(plan.Where(e => e.Attack != "clean"), e => Assert.Equal(0.2, e.Fraction));
        Assert.Equal([1, 2, 3], plan.Take(3).Select(e => e.Seed));
    }

    [Fact]
    public void Report_AttackAndDefenceRuns_TablesTargetAndGoal()
    {
        // Attack-free mean 90% (target floor(0.9 x 0.95 x 200) / 200 = 85.5%), sign flip 20% with the
        // mean 10%, with the median 88% (2 points below: the goal is met).
        RunResult[] runs =
        [
            Run("clean", 0, "mean", (60, 0.86), (1200, 0.90)),
            Run("clean", 0, "median", (90, 0.86), (1200, 0.89)),
            Run("signflip", 0.2, "mean", (1200, 0.10)),
            Run("signflip", 0.2, "median", (120, 0.86), (1200, 0.88)),
        ];
        var folder = Path.Combine(Path.GetTempPath(), "robustness-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var text = RobustnessReport.Write(folder, "decentral-sim reproduce --suite robustness", quick: true, runs);

            Assert.Contains("Target accuracy: 85.5%.", text);
            Assert.Contains("| attack | f | mean (none) | median |", text);
            Assert.Contains("| none (attack-free) | 0% | 90.0% | 89.0% |", text);
            Assert.Contains("| signflip | 20% | 10.0% | 88.0% |", text);
            Assert.Contains("| signflip | 20% | - | 2.0 |", text);
            Assert.Contains("| signflip | 10.0% | median | 88.0% | 2.0 | yes |", text);
            Assert.Contains("`median` -1.0", text);
            Assert.True(File.Exists(Path.Combine(folder, "runs.csv")));
            Assert.True(File.Exists(Path.Combine(folder, "byz-mnist-iid-f20-best.png")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Report_ByzantineAggregatorRuns_FinalLastFiveMinuteMeanAndTimeToTarget()
    {
        // 20 virtual minutes, so the last 5 are the points after 900 s. The a = 1 run ends on a
        // good evaluation (90%) after two poisoned ones: its 5-minute mean is 50%.
        RunResult[] runs =
        [
            Run("clean", 0, "mean", (60, 0.86), (600, 0.80), (960, 0.88), (1200, 0.90)),
            Run("clean", 0, "median", (1200, 0.904)),
            Run("clean", 0, "clipped", (1200, 0.8996)),
            Run("clean", 0, "a3median", (900, 0.10), (960, 0.88), (1200, 0.90)),
            Run("aggregator", 0.2, "a1", (960, 0.10), (1080, 0.50), (1200, 0.90)),
            Run("aggregator", 0.2, "a3median", (960, 0.86), (1200, 0.88)),
            Run("aggregator-noise", 0.2, "a3median", (960, 0.80), (1200, 0.84)),
        ];
        var folder = Path.Combine(Path.GetTempPath(), "robustness-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var text = RobustnessReport.Write(folder, "decentral-sim reproduce --suite robustness", quick: true, runs);

            Assert.Equal(0.89, RobustnessReport.LastMinutes(runs[0]), 1e-9);
            Assert.Equal(0.89, RobustnessReport.LastMinutes(runs[3]), 1e-9);
            Assert.Contains("| 0% (attack-free) | 90.0% / 89.0% / 1.0 |  | 90.0% / 89.0% / 16.0 |", text);
            Assert.Contains("| 20% | 90.0% / 50.0% / 20.0 |  | 88.0% / 87.0% / 16.0 |", text);
            Assert.Contains("Byzantine aggregators at f = 20%, mean accuracy over the last 5 minutes: a = 1: 50.0%; a = 3, median of aggregates: 87.0%.", text);
            Assert.Contains("| 20%, + N(0, 1) |  |  | 84.0% / 82.0% / - |", text);
            Assert.Contains("Byzantine aggregators (+ N(0, 1)) at f = 20%, mean accuracy over the last 5 minutes: a = 3, median of aggregates: 82.0%.", text);

            // Costs of the defences in signed points; one that rounds to zero reads 0.0.
            Assert.Contains("`median` +0.4, `clipped` 0.0", text);
            var csv = File.ReadAllLines(Path.Combine(folder, "runs.csv"));
            Assert.Contains("last_5min_accuracy", csv[0].Split(','));
            Assert.Contains(csv, l => l.StartsWith("byz-mnist-iid-aggregator-a1,", StringComparison.Ordinal) && l.Contains(",0.9000,0.5000,0.9000,", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LastMinutes_NoEvaluationInTheLastFiveMinutes_IsNaN()
    {
        Assert.True(double.IsNaN(RobustnessReport.LastMinutes(Run("clean", 0, "mean", (600, 0.8)))));
    }

    private static RunResult Run(string attack, double fraction, string defence, params (double Seconds, double Accuracy)[] points)
    {
        var scenario = new Scenario { Stop = { Time = TimeSpan.FromMinutes(20) }, Learning = { Model = "softmax", Task = "mnist", Alpha = 0 } };
        var curve = new List<CurvePoint> { new(0, 0, 0.1, 100) };
        curve.AddRange(points.Select((p, k) => new CurvePoint(p.Seconds, 0, p.Accuracy, 100, k + 2)));
        var experiment = new Experiment($"byz-mnist-iid-{attack}-{defence}", "byz-mnist-iid", "modest", scenario) { Attack = attack, Fraction = fraction, Defence = defence };
        return new RunResult(experiment, curve, FakeRuns.Summary(points.Length, points[^1].Seconds), 0);
    }
}
