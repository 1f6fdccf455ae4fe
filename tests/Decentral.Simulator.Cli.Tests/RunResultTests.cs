using Decentral.Simulator.Cli.Reproduction;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Tests;

public sealed class RunResultTests
{
    private static RunResult Result(string model, params double[] metrics)
    {
        var scenario = new Scenario { Learning = { Model = model, Task = model == "mf" ? "movielens" : "mnist" } };
        var curve = metrics.Select((m, i) => new CurvePoint(i * 10, i * 1000, m, 100)).ToList();
        return new RunResult(new Experiment("id", "group", "modest", scenario), curve, FakeRuns.Summary(), 0);
    }

    [Fact]
    public void FirstReaching_Accuracy_ReturnsFirstPointAtOrAboveTarget()
    {
        var run = Result("softmax", 0.1, 0.5, 0.8, 0.7, 0.9);

        Assert.Equal(20, run.FirstReaching(0.8)!.Value.Seconds);
        Assert.Null(run.FirstReaching(0.95));
        Assert.Equal(0.9, run.Best);
    }

    [Fact]
    public void FirstReaching_Rmse_ReturnsFirstPointAtOrBelowTarget()
    {
        var run = Result("mf", 3.5, 1.2, 0.95, 1.0);

        Assert.Equal(2000, run.FirstReaching(1.0)!.Value.Bytes);
        Assert.Equal(0.95, run.Best);
        Assert.Equal(1.0, run.Final);
    }
}
