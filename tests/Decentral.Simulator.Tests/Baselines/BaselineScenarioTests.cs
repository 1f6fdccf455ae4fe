using Decentral.Protocol;
using Decentral.Simulator.Tests.Runner;
using Xunit.Abstractions;

namespace Decentral.Simulator.Tests.Baselines;

/// <summary>Each baseline runs the quickstart scenario (synthetic task) in the simulator and learns.</summary>
public sealed class BaselineScenarioTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("fedavg", 40)]
    [InlineData("dpsgd", 30)]
    [InlineData("gossip", 40)]
    [InlineData("epidemic", 25)]
    public void Baseline_SyntheticQuickstart_AccuracyRisesWellAboveChance(string algorithm, int rounds)
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Algorithm = algorithm;
        scenario.Nodes = 30;
        scenario.Stop.Rounds = rounds;
        scenario.Stop.Time = TimeSpan.FromHours(4);

        var (run, summary, _) = ScenarioRuns.Execute(scenario);

        output.WriteLine(summary.Describe());
        Assert.True(summary.ReachedTargetRounds, $"stopped at round {summary.Rounds}");
        Assert.InRange(summary.Initial.Accuracy, 0.0, 0.25);
        Assert.True(summary.Final.Accuracy > 0.5, $"final accuracy {summary.Final.Accuracy}");
        Assert.True(summary.BytesByKind[MessageKind.TrainedModel] > 0);
        Assert.Equal(rounds, run.Recorder.Rows[^1].Round);
    }

    [Fact]
    public void FedAvg_SyntheticQuickstart_ServerNeverTrainsAndEachRoundUsesSampleSizeModels()
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Algorithm = "fedavg";
        scenario.Nodes = 30;
        scenario.Stop.Rounds = 10;

        var (run, _, _) = ScenarioRuns.Execute(scenario);

        Assert.Equal(0, run.Recorder.TrainingsOf(0));
        Assert.All(run.Recorder.Rows, r => Assert.Equal(scenario.Protocol.SampleSize, r.ModelsAggregated));
        Assert.Equal(10 * scenario.Protocol.SampleSize, Enumerable.Range(0, 30).Sum(run.Recorder.TrainingsOf));
    }

    [Fact]
    public void FedAvg_ServerLink_UnlimitedByDefaultAndSlowerWhenCapped()
    {
        // Virtual time of 10 rounds with the paper's unlimited server link vs a 1 Mbit/s one: the
        // server receives s models and sends s per round, so a capped link stretches every round.
        TimeSpan TimeOf10Rounds(double serverMbps)
        {
            var scenario = ScenarioRuns.Load("quickstart");
            scenario.Algorithm = "fedavg";
            scenario.Nodes = 30;
            scenario.Stop.Rounds = 10;
            scenario.Baselines.FedAvgServerMbps = serverMbps;
            scenario.Learning.Dimensions = 400; // ~16 KB models: above the network's bandwidth threshold
            var (run, _, _) = ScenarioRuns.Execute(scenario);
            return TimeSpan.FromSeconds(run.Recorder.Rows[^1].TimeSeconds);
        }

        Assert.Equal(0, ScenarioRuns.Load("quickstart").Baselines.FedAvgServerMbps);
        var unlimited = TimeOf10Rounds(0);
        var capped = TimeOf10Rounds(1);
        Assert.True(capped > unlimited, $"capped {capped} vs unlimited {unlimited}");
    }

    [Theory]
    [InlineData("exponential", 2)]
    [InlineData("ring", 3)]
    [InlineData("regular", 5)]
    public void Dpsgd_EachTopology_AggregatesOwnPlusInDegreeModels(string topology, int models)
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Algorithm = "dpsgd";
        scenario.Baselines.Dpsgd.Topology = topology;
        scenario.Baselines.Dpsgd.Degree = 4;
        scenario.Nodes = 16;
        scenario.Stop.Rounds = 8;

        var (run, summary, _) = ScenarioRuns.Execute(scenario);

        Assert.True(summary.ReachedTargetRounds);
        Assert.All(run.Recorder.Rows, r => Assert.Equal(models, r.ModelsAggregated));
    }
}
