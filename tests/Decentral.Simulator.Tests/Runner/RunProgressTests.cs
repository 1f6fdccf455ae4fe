using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Tests.Runner;

public sealed class RunProgressTests
{
    private static (List<RunProgress> Reports, RunSummary Summary) Run(int rounds, TimeSpan time)
    {
        var scenario = new Scenario { Nodes = 12, Stop = new StopSection { Rounds = rounds, Time = time }, Protocol = { SampleSize = 4, MinModels = 1 } };
        var learning = ScenarioLearning.Create(scenario);
        Assert.True(learning.Ok, learning.Error);
        var reports = new List<RunProgress>();
        var summary = new ModestRun(scenario, learning.Setup!).Run(reports.Add);
        return (reports, summary);
    }

    [Fact]
    public void Run_StopsOnTimeFirst_ProgressAdvancesTowardTheTimeLimit()
    {
        var (reports, summary) = Run(rounds: 100_000, time: TimeSpan.FromMinutes(10));

        Assert.False(summary.ReachedTargetRounds);
        Assert.InRange(reports.Count, 90, 101);
        Assert.Equal(reports.Select(r => r.Fraction).Order(), reports.Select(r => r.Fraction));
        Assert.True(reports[^1].Fraction >= 0.98, $"last report at {reports[^1].Fraction:P0}");
        Assert.All(reports, r => Assert.Equal(TimeSpan.FromMinutes(10).Ticks / 10, r.StopTicks));
    }

    [Fact]
    public void Run_StopsOnRoundsFirst_ProgressAdvancesTowardTheRounds()
    {
        var (reports, summary) = Run(rounds: 40, time: TimeSpan.FromHours(10));

        Assert.True(summary.ReachedTargetRounds);
        Assert.True(reports.Count >= 30, $"{reports.Count} reports");
        Assert.Equal(reports.Select(r => r.Fraction).Order(), reports.Select(r => r.Fraction));
        Assert.True(reports[^1].Fraction >= 0.95, $"last report at {reports[^1].Fraction:P0}");
        Assert.True(reports[^1].ExpectedStopTicks < reports[^1].StopTicks, "the rounds end before stop.time");
    }

    [Theory]
    [InlineData(10, 100, 500, 1000, 0.5)]
    [InlineData(90, 100, 50, 1000, 0.9)]
    [InlineData(0, 100, 0, 1000, 0.0)]
    [InlineData(200, 100, 2000, 1000, 1.0)]
    public void Fraction_TheFurtherOfRoundsAndTime(long round, int target, long ticks, long stop, double expected) =>
        Assert.Equal(expected, new RunProgress(round, target, ticks, 1, stop).Fraction, 9);

    [Fact]
    public void ExpectedStop_RoundsProjectedAtTheirRate_CappedAtStopTime()
    {
        Assert.Equal(400, new RunProgress(25, 100, 100, 1, 1000).ExpectedStopTicks);
        Assert.Equal(1000, new RunProgress(5, 100, 100, 1, 1000).ExpectedStopTicks);
        Assert.Equal(1000, new RunProgress(0, 100, 100, 1, 1000).ExpectedStopTicks);
    }
}
