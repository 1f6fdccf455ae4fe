using Decentral.Dashboard.Sources;
using Decentral.Dashboard.Tests.TestKit;
using Decentral.Dashboard.Views;
using Decentral.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Dashboard.Tests;

/// <summary>Merging a fleet's node files by wall time.</summary>
public sealed class FleetViewTests : IDisposable
{
    private const double Start = 1_800_000_000;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("decentral-fleetview-");
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Build_Fleet_MergesRoundsRolesAccuracyAndTraffic()
    {
        var fleet = new SyntheticFleet(Path.Combine(_root.FullName, "c"), nodes: 4, Start).WriteUntil(21);
        At(fleet.RoundTime(21) + 5);

        var view = Build(fleet);

        Assert.Equal(20, view.Rounds.Count);
        Assert.All(view.Rounds, r => Assert.Equal(SyntheticFleet.SampleSize, r.Trainers.Count));
        Assert.All(view.Rounds, r => Assert.Single(r.Aggregators));
        Assert.All(view.Rounds, r => Assert.Equal(fleet.RoundTime(r.Round), r.UnixS, 6));
        Assert.Equal(20, view.Nodes.Sum(n => n.Aggregated));
        Assert.Equal(60, view.Nodes.Sum(n => n.Trained));
        // Rounds 2, 4, 8, 12, 16, 20 are evaluated (synthetic: 2 and every 4th).
        Assert.Equal([2.0, 4, 8, 12, 16, 20], view.Accuracy.Select(a => a[3]));
        Assert.Equal(60, view.TrainingLoss.Count);
        Assert.All(view.Nodes, n => Assert.Equal("running", n.State));
        Assert.All(view.Nodes, n => Assert.Equal(n.Bytes, n.BytesByKind.Sum()));
        Assert.All(view.Traffic.Zip(view.Nodes), t => Assert.Equal(t.Second.Bytes, t.First[^1][1]));
        Assert.Equal(20, view.RoundsPerMinute.Sum(p => p[1]));
        Assert.Equal([4.0], view.Running.Skip(3).Select(p => p[1]).Distinct());
    }

    [Fact]
    public void Build_StoppedAndRestartedNode_HasTwoSessionsAndTheRunningCountDips()
    {
        var fleet = new SyntheticFleet(Path.Combine(_root.FullName, "c"), nodes: 3, Start).WriteUntil(10);
        fleet.Stop(2);
        fleet.WriteUntil(20);
        fleet.Restart(2);
        fleet.WriteUntil(30);
        At(fleet.RoundTime(30) + 1);

        var view = Build(fleet);

        Assert.Equal(2, view.Nodes[2].Sessions.Count);
        // node.json now describes the second session: the first ends at its last row.
        Assert.InRange(view.Nodes[2].Sessions[0][1], fleet.RoundTime(9), fleet.RoundTime(10));
        Assert.Equal(fleet.RoundTime(30) + 1, view.Nodes[2].Sessions[1][1], 6);
        Assert.Equal([1.0, 2, 3, 2, 3], view.Running.Select(p => p[1]).Where((v, i) => i == 0 || v != view.Running[i - 1][1]));
        Assert.Equal(3, view.Running[^1][1]);
    }

    [Fact]
    public void Build_NodeStopped_ChecksCountWhatTheRoundAfterFoundFromTheFirstRowToTheLast()
    {
        // The round after a stop: its aggregator finds a trainer silent, each of its trainers the
        // aggregator check's silent aggregator (SyntheticFleet's rows).
        var fleet = new SyntheticFleet(Path.Combine(_root.FullName, "c"), nodes: 4, Start).WriteUntil(10);
        fleet.Stop(3);
        fleet.WriteUntil(20);
        At(fleet.RoundTime(20) + 1);

        var view = Build(fleet);

        Assert.Equal(RoundRow.CheckNames, view.CheckNames);
        var series = view.CheckNames.Zip(view.Checks).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(SyntheticFleet.SampleSize, series["aggregator_silent"][^1][1]);
        Assert.Equal(1, series["trainers_silent"][^1][1]);
        Assert.Equal(0, series["aggregator_restarted"][^1][1]);
        var first = view.Traffic.Min(t => t[0][0]);
        var last = view.Traffic.Max(t => t[^1][0]);
        Assert.All(view.Checks, c => Assert.Equal((first, 0.0, last), (c[0][0], c[0][1], c[^1][0])));
        // The trainers write their rows 3 s before the round's aggregation.
        Assert.Equal(fleet.RoundTime(11) - 3, series["aggregator_silent"][1][0], 6);
    }

    [Fact]
    public void Build_NodeThatStoppedRefreshing_IsNotResponding()
    {
        var fleet = new SyntheticFleet(Path.Combine(_root.FullName, "c"), nodes: 2, Start).WriteUntil(5);
        At(fleet.RoundTime(5) + FleetViewBuilder.StaleAfter.TotalSeconds + 1);

        var view = Build(fleet);

        Assert.All(view.Nodes, n => Assert.Equal("not responding", n.State));
        Assert.Equal(0, view.Running[^1][1]);
    }

    [Fact]
    public void Build_RowsWithoutUnixTime_ArePlacedFromTheNodeStart()
    {
        var status = new NodeStatus { PeerId = "12D3KooWx", StartedUnixSeconds = Start, UpdatedUnixSeconds = Start + 100, State = "running" };
        var rows = new[] { new RoundRow { Round = 2, TimeSeconds = 30, ModelsAggregated = 2 }, new RoundRow { Round = 3, TimeSeconds = 90, ModelsAggregated = 2 } };
        rows[1].Rejected[(int)Decentral.Aggregation.RejectionReason.Norm] = 2;
        rows[1].Rejected[(int)Decentral.Aggregation.RejectionReason.NonFinite] = 1;
        At(Start + 100);

        var view = new FleetViewBuilder(_time).Build("n", "node", [new NodeInput("n", status, rows)]);

        Assert.Equal([Start + 30, Start + 90], view.Rounds.Select(r => r.UnixS));
        Assert.Equal(2, view.Nodes[0].Aggregated);
        Assert.Equal("12D3KooWx", view.Nodes[0].PeerId);
        Assert.Equal(3, view.Nodes[0].Refused);
    }

    [Fact]
    public void Build_NoNodesYet_IsEmpty()
    {
        var view = new FleetViewBuilder(_time).Build("c", "fleet", []);
        Assert.Empty(view.Nodes);
        Assert.Empty(view.Running);
        Assert.Empty(view.RoundsPerMinute);
    }

    [Fact]
    public void Build_RealNodeOutput_CountsRolesBytesAndSessionsAsWritten()
    {
        var fleet = Path.Combine(_root.FullName, "real");
        foreach (var node in new[] { "node-0", "node-4" })
        {
            Directory.CreateDirectory(Path.Combine(fleet, node));
            foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Data", "real-fleet", node)))
            {
                File.Copy(file, Path.Combine(fleet, node, Path.GetFileName(file)));
            }
        }

        At(1796112090.257 + 5);
        var catalog = new SourceCatalog(_root.FullName);
        var source = catalog.Find("real")!;
        var view = new FleetViewBuilder(_time).Build("real", "fleet",
            [.. catalog.NodesOf(source).Select(n => new NodeInput(n.Name, SourceCatalog.Status(n), catalog.Telemetry(n).Rows()))]);

        var (node0, node4) = (view.Nodes[0], view.Nodes[1]);
        Assert.Equal(("running", 3, 9), (node0.State, node0.Aggregated, node0.Trained));
        Assert.Equal(("stopped", 3, 8, 16L), (node4.State, node4.Aggregated, node4.Trained, node4.LastRound));
        // Each row's bytes are since the node's previous row, so they add up to its last total_bytes.
        Assert.Equal(24804, node4.Bytes);
        Assert.Equal([1796112080.164, 1796112091.242], Assert.Single(node4.Sessions).Select(t => Math.Round(t, 3)));
        Assert.Single(node0.Sessions);
        // The evaluated row of round 7 comes after round 8's in node-4's file (evaluation runs off the loop).
        Assert.Equal(view.Accuracy.OrderBy(a => a[0]).Select(a => a[3]), view.Accuracy.Select(a => a[3]));
        Assert.Equal(2, view.Accuracy.Count);
        // Both ran, then node-4 stopped; node-0 runs on to now.
        Assert.Equal(2, view.Running.Max(p => p[1]));
        Assert.Equal((1796112090.257 + 5, 1.0), (Math.Round(view.Running[^1][0], 3), view.Running[^1][1]));
    }

    private void At(double unixSeconds) => _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds((long)(unixSeconds * 1000)));

    private FleetView Build(SyntheticFleet fleet)
    {
        var catalog = new SourceCatalog(_root.FullName);
        var source = catalog.Find(Path.GetFileName(fleet.Folder))!;
        var inputs = catalog.NodesOf(source).Select(n => new NodeInput(n.Name, SourceCatalog.Status(n), catalog.Telemetry(n).Rows())).ToList();
        return new FleetViewBuilder(_time).Build(source.Name, "fleet", inputs);
    }
}
