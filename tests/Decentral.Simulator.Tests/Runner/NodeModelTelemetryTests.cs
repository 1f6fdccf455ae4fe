using Decentral.Learning;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Tests.Runner;

/// <summary>
/// D-PSGD, Epidemic and Gossip Learning rows report the mean over the current models of a fixed
/// seeded subset of up to learning.evalNodes running nodes. A fake task makes every node's model
/// known: node i's trainer always returns the model (c_i, 2 c_i) whatever it starts from, and the
/// task scores a model (p0, p1) as accuracy p0, loss p1.
/// </summary>
public sealed class NodeModelTelemetryTests
{
    private const int Nodes = 8;

    // c_i: distinct, in (0, 1).
    private static float Constant(int node) => (node + 1) / 10f;

    [Fact]
    public void Dpsgd_Ring_RowIsMeanOverTheFixedEvaluatedSubset()
    {
        var scenario = FakeScenario("dpsgd", evalNodes: 3);
        scenario.Baselines.Dpsgd.Topology = "ring";
        var (run, _, telemetry) = Execute(scenario);

        // On the ring, node i averages its own and its two neighbours' trained models every round.
        // From round N/2 + 1 on every node has averaged at least once, so its model is known.
        double Expected(int i) => (Constant(i) + Constant((i + 1) % Nodes) + Constant((i + Nodes - 1) % Nodes)) / 3;
        var rows = run.Recorder.Rows.Where(r => r.Round > (Nodes / 2) + 1 && r.Evaluation is not null).ToList();
        Assert.NotEmpty(rows);
        var slots = rows[0].EvaluatedSlots!;
        Assert.Equal(3, slots.Distinct().Count());
        foreach (var row in rows)
        {
            Assert.Equal(slots, row.EvaluatedSlots);
            var expected = slots.Select(Expected).ToList();
            Assert.Equal(expected.Average(), row.Evaluation!.Value.Accuracy, 1e-6);
            Assert.Equal(2 * expected.Average(), row.Evaluation!.Value.Loss, 1e-6);
            Assert.Equal(expected.Min(), row.AccuracyRange.Min, 1e-6);
            Assert.Equal(expected.Max(), row.AccuracyRange.Max, 1e-6);
        }

        var lines = telemetry.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.Contains("\"evaluated_models\":3,", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("\"accuracy_min\":", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Dpsgd_EvalNodesAtLeastNodes_EvaluatesEveryNode()
    {
        var scenario = FakeScenario("dpsgd", evalNodes: 100);
        scenario.Baselines.Dpsgd.Topology = "ring";
        var (run, _, _) = Execute(scenario);

        // The ring average is doubly stochastic: the mean over all nodes is the mean of the c_i.
        var mean = Enumerable.Range(0, Nodes).Average(Constant);
        var rows = run.Recorder.Rows.Where(r => r.Round > (Nodes / 2) + 1 && r.Evaluation is not null).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(Enumerable.Range(0, Nodes), r.EvaluatedSlots!.Order()));
        Assert.All(rows, r => Assert.Equal(mean, r.Evaluation!.Value.Accuracy, 1e-6));
    }

    [Fact]
    public void Gossip_RowIsMeanOverTheEvaluatedNodesCurrentModels()
    {
        var scenario = FakeScenario("gossip", evalNodes: 4);
        var (run, _, _) = Execute(scenario);

        // Every device trains in ~4 s (sigma 0), so from tick 2 (>= 60 s) each node holds its c_i.
        var rows = run.Recorder.Rows.Where(r => r.Round >= 2 && r.Evaluation is not null).ToList();
        Assert.NotEmpty(rows);
        var slots = rows[0].EvaluatedSlots!;
        Assert.Equal(4, slots.Distinct().Count());
        Assert.All(rows, r => Assert.Equal(slots, r.EvaluatedSlots));
        Assert.All(rows, r => Assert.Equal(slots.Average(s => Constant(s)), r.Evaluation!.Value.Accuracy, 1e-6));
    }

    [Fact]
    public void Gossip_AfterCrashes_EvaluatesOnlyRunningNodes()
    {
        var scenario = FakeScenario("gossip", evalNodes: Nodes);
        scenario.Churn = [new ChurnEvent { Kind = ChurnKind.Crash, At = TimeSpan.FromSeconds(150), Count = 3 }];
        var (run, summary, _) = Execute(scenario);

        Assert.Equal(3, summary.Crashed);
        var rows = run.Recorder.Rows.Where(r => r.Evaluation is not null).ToList();
        Assert.Contains(rows, r => r.EvaluatedSlots!.Length == Nodes);
        Assert.Contains(rows, r => r.EvaluatedSlots!.Length == Nodes - 3);
        Assert.All(rows, r => Assert.True(r.EvaluatedSlots!.Length <= r.OnlineNodes));
    }

    [Theory]
    [InlineData("dpsgd")]
    [InlineData("epidemic")]
    [InlineData("gossip")]
    public void NodeModelBaseline_SameSeed_WritesIdenticalTelemetryBytes(string algorithm)
    {
        string RunOnce(int seed)
        {
            var scenario = ScenarioRuns.Load("quickstart");
            scenario.Algorithm = algorithm;
            scenario.Nodes = 20;
            scenario.Stop.Rounds = 12;
            scenario.Learning.EvalEveryRounds = 2;
            scenario.Learning.EvalNodes = 5;
            scenario.Seed = seed;
            return ScenarioRuns.Execute(scenario).Telemetry;
        }

        var first = RunOnce(3);
        Assert.Equal(first, RunOnce(3));
        Assert.NotEqual(first, RunOnce(4));
        Assert.Contains("\"evaluated_models\":5,", first, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("modest")]
    [InlineData("fedavg")]
    public void AggregateAlgorithm_RowsEvaluateTheAggregate_NoNodeModelFields(string algorithm)
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Algorithm = algorithm;
        scenario.Nodes = 20;
        scenario.Stop.Rounds = 6;
        var (run, _, telemetry) = ScenarioRuns.Execute(scenario);

        Assert.Contains(run.Recorder.Rows, r => r.Evaluation is not null);
        Assert.All(run.Recorder.Rows, r => Assert.Null(r.EvaluatedSlots));
        Assert.DoesNotContain("evaluated_models", telemetry, StringComparison.Ordinal);
    }

    private static Scenario FakeScenario(string algorithm, int evalNodes) => new()
    {
        Name = "node-models",
        Seed = 5,
        Algorithm = algorithm,
        Nodes = Nodes,
        Stop = new StopSection { Rounds = 12, Time = TimeSpan.FromHours(1) },
        Compute = new ComputeSection { Sigma = 0 },
        Learning = new LearningOptions { EvalEveryRounds = 1, EvalNodes = evalNodes },
    };

    private static (ModestRun Run, RunSummary Summary, string Telemetry) Execute(Scenario scenario)
    {
        var setup = new LearningSetup(new FakeTask(), node => new FakeTrainer(node), "fake");
        using var telemetry = new StringWriter();
        var run = new ModestRun(scenario, setup, telemetry);
        var summary = run.Run();
        return (run, summary, telemetry.ToString());
    }

    private sealed class FakeTask : ILearningTask
    {
        public string LayoutId => "fake";

        public int ParameterCount => 2;

        public void InitialParameters(int seed, Span<float> destination)
        {
            destination[0] = 0.01f;
            destination[1] = 9f;
        }

        public Evaluation Evaluate(ReadOnlySpan<float> parameters) => new(parameters[0], parameters[1], double.NaN, 1);
    }

    private sealed class FakeTrainer(int node) : ILocalTrainer
    {
        public int LocalSamples => 100;

        public TrainOutcome Train(ReadOnlySpan<float> start, Span<float> result, long round)
        {
            result[0] = Constant(node);
            result[1] = 2 * Constant(node);
            return new TrainOutcome(100, 0);
        }
    }
}
