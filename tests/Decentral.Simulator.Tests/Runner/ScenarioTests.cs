using System.Text.Json;
using Decentral.Protocol;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;
using Xunit.Abstractions;

namespace Decentral.Simulator.Tests.Runner;

public sealed class ScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public void Quickstart_SameSeed_WritesIdenticalTelemetryBytes()
    {
        string RunOnce(int seed)
        {
            var scenario = ScenarioRuns.Load("quickstart");
            scenario.Nodes = 40;
            scenario.Stop.Rounds = 25;
            scenario.Seed = seed;
            return ScenarioRuns.Execute(scenario).Telemetry;
        }

        var first = RunOnce(7);
        var second = RunOnce(7);
        var other = RunOnce(8);
        Assert.Equal(25 - 1, first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Quickstart_SyntheticTask_LearnsWellAboveChance()
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Stop.Rounds = 60;
        var (_, summary, _) = ScenarioRuns.Execute(scenario);
        output.WriteLine(summary.Describe());
        Assert.True(summary.ReachedTargetRounds);
        Assert.InRange(summary.Initial.Accuracy, 0.0, 0.25);
        Assert.True(summary.Final.Accuracy > 0.6, $"final accuracy {summary.Final.Accuracy}");
        Assert.Equal(0, summary.Observations.GetValueOrDefault(ObservationKind.AggregationDropped));
    }

    [Fact]
    public void CrashExperiment_EightyOfHundredCrash_RoundsContinueToTheEnd()
    {
        var scenario = ScenarioRuns.Load("crash");
        var (run, summary, _) = ScenarioRuns.Execute(scenario);
        output.WriteLine(summary.Describe());
        var rows = run.Recorder.Rows;
        Assert.Equal(80, summary.Crashed);
        Assert.Equal(20, summary.OnlineAtEnd);
        // The last crash batch is at t=1200 s; rounds keep being aggregated after it, until the end.
        var afterLastCrash = rows.Where(r => r.TimeSeconds > 1260).ToList();
        Assert.True(afterLastCrash.Count >= 20, $"only {afterLastCrash.Count} rounds after the last crash");
        Assert.True(rows[^1].TimeSeconds > scenario.Stop.Time.TotalSeconds - 120, $"last round at {rows[^1].TimeSeconds} s");
        Assert.All(afterLastCrash, r => Assert.Equal(20, r.OnlineNodes));
    }

    [Fact]
    public void JoinExperiment_TenNewcomers_EachIsSampledAfterJoining()
    {
        var scenario = ScenarioRuns.Load("join");
        scenario.Stop.Time = TimeSpan.FromMinutes(30);
        var (run, summary, _) = ScenarioRuns.Execute(scenario);
        output.WriteLine(summary.Describe());
        Assert.Equal(10, summary.Joined);
        for (var joiner = scenario.Nodes; joiner < scenario.Nodes + 10; joiner++)
        {
            output.WriteLine($"joiner {joiner}: trained {run.Recorder.TrainingsOf(joiner)} rounds, view {run.NodeAt(joiner).View.Count}");
            Assert.True(run.Recorder.TrainingsOf(joiner) > 0, $"joiner {joiner} was never sampled");
        }

        // Founders learned of the newcomers: the last aggregator's view holds all 100.
        Assert.Equal(100, run.Recorder.Rows[^1].ViewSize);
    }

    [Fact]
    public void Partition_SplitThenHeal_RoundsResumeAfterHeal()
    {
        var scenario = ScenarioRuns.Load("partition");
        var (run, summary, _) = ScenarioRuns.Execute(scenario);
        output.WriteLine(summary.Describe());
        var heal = scenario.Churn.Single(c => c.Kind == ChurnKind.Heal).At.TotalSeconds;
        var rows = run.Recorder.Rows;
        var afterHeal = rows.Where(r => r.TimeSeconds > heal + 60).ToList();
        Assert.True(afterHeal.Count >= 10, $"only {afterHeal.Count} rounds after the heal");
        Assert.True(afterHeal.Zip(afterHeal.Skip(1)).All(p => p.Second.Round > p.First.Round));
    }

    [Fact]
    public void Telemetry_EachLine_IsAJsonObjectWithTheDocumentedFields()
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Nodes = 20;
        scenario.Stop.Rounds = 6;
        var telemetry = ScenarioRuns.Execute(scenario).Telemetry;
        var lines = telemetry.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            foreach (var field in new[] { "round", "time_s", "sample", "aggregators", "models", "online", "view_size", "bytes", "total_bytes", "view_bytes", "full_view_bytes" })
            {
                Assert.True(json.RootElement.TryGetProperty(field, out _), $"missing {field} in {line}");
            }
        }

        Assert.Contains("\"accuracy\"", lines[0]);
    }
}
