using Decentral.Simulator.Scenarios;
using Xunit.Abstractions;

namespace Decentral.Simulator.Tests.Runner;

public sealed class ScheduledChurnTests(ITestOutputHelper output)
{
    [Fact]
    public void Sessions_HeavyTailedChurn_PeersLeaveCrashRejoinAndRoundsContinue()
    {
        var scenario = ScenarioRuns.Load("sessions");
        scenario.Stop.Time = TimeSpan.FromMinutes(40);
        var (run, summary, _) = ScenarioRuns.Execute(scenario);
        output.WriteLine(summary.Describe());
        Assert.True(summary.Crashed > 10 && summary.Left > 10, "sessions should end in crashes and leaves");
        Assert.True(summary.Joined > 10, "peers should come back");
        var rows = run.Recorder.Rows;
        Assert.True(rows.Count(r => r.TimeSeconds > 30 * 60) >= 20, "rounds continue through the churn");
        Assert.True(summary.Final.Accuracy > 0.55, $"final accuracy {summary.Final.Accuracy}");
    }

    [Fact]
    public void Trace_AvailabilityFile_NodesFollowTheirDevice()
    {
        var folder = Directory.CreateTempSubdirectory("decentral-trace-");
        try
        {
            // Device 0: always on. Device 1: on 0-300 s, then off until the loop restarts at 600 s.
            File.WriteAllText(Path.Combine(folder.FullName, "availability.csv"), "device,finish_time,active,inactive\nalways,600,0,600\nhalf,600,0,300\n");
            var scenario = ScenarioRuns.Load("quickstart");
            scenario.Nodes = 40;
            scenario.Stop.Rounds = 100_000;
            scenario.Stop.Time = TimeSpan.FromMinutes(15);
            scenario.Protocol.SuccessFraction = 0.5;
            scenario.Protocol.AggregationTimeout = TimeSpan.FromSeconds(60);
            scenario.Protocol.AckTimeout = TimeSpan.FromSeconds(90);
            scenario.Protocol.MinModels = 1;
            scenario.Churn.Add(new ChurnEvent { Kind = ChurnKind.Trace, Path = Path.Combine(folder.FullName, "availability.csv") });
            var (run, summary, _) = ScenarioRuns.Execute(scenario);
            output.WriteLine(summary.Describe());

            // The 20 odd nodes follow device "half": off at 300 s, back at 600 s.
            Assert.Equal(20, summary.Crashed);
            Assert.Equal(20, summary.Joined);
            Assert.Contains(run.Recorder.Rows, r => r.TimeSeconds is > 320 and < 590 && r.OnlineNodes == 20);
            Assert.Contains(run.Recorder.Rows, r => r.TimeSeconds > 620 && r.OnlineNodes == 40);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Trace_MissingFile_ErrorNamesThePath()
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Churn.Add(new ChurnEvent { Kind = ChurnKind.Trace, Path = "/nonexistent/trace.csv" });
        var error = Assert.Throws<ArgumentException>(() => ScenarioRuns.Execute(scenario));
        Assert.Contains("/nonexistent/trace.csv", error.Message);
    }
}
