using Decentral.Node.Tests.Kit;
using Xunit.Abstractions;

namespace Decentral.Node.Tests;

/// <summary>
/// MoDeST between real processes: decentral-node processes on loopback learning MNIST (softmax
/// regression on each node's Dirichlet share), a kill -9 of the current aggregator, a js-libp2p
/// peer in the overlay. Bounded waits on the nodes' own log lines; generous bounds for a loaded
/// 2-core machine.
/// </summary>
[Trait("Category", "MultiProcess")]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task EightNodes_MnistSoftmaxSampleFour_AccuracyPasses80PercentAndAllInEveryView()
    {
        await using var cluster = await ProcessCluster.StartAsync(8, sampleSize: 4);
        try
        {
            var (node, round, accuracy) = await cluster.AccuracyAsync(0.80, Bound);
            output.WriteLine($"node {node}: {accuracy:P2} at round {round}");

            await Task.WhenAll(cluster.Nodes.Select(n => n.WaitForLineAsync(l => l.Contains("View: 8 members", StringComparison.Ordinal), Bound)));
            foreach (var n in cluster.Nodes)
            {
                Assert.Equal(8, n.Status()!.Members.Count);
            }
        }
        catch (Exception)
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    [Fact]
    public async Task CurrentAggregator_KilledHard_RoundsGoOnAndItRejoinsFromItsCheckpoint()
    {
        await using var cluster = await ProcessCluster.StartAsync(6, sampleSize: 3);
        try
        {
            await cluster.AccuracyAsync(0.5, Bound);
            var (victim, round) = LatestAggregator(cluster);
            output.WriteLine($"killing node {victim}, aggregator of round {round}");
            cluster.Nodes[victim].KillHard();
            await cluster.Nodes[victim].WaitForExitAsync(Bound);

            var afterKill = await cluster.AccuracyAsync(0, Bound, minRound: round + 20, from: i => i != victim);
            output.WriteLine($"rounds go on: node {afterKill.Node} at round {afterKill.Round}");

            var restarted = cluster.StartNode(victim, cluster.Bootstrap);
            await restarted.WaitForLineAsync(l => l.Contains("Rejoining from the checkpoint", StringComparison.Ordinal), Bound);
            await restarted.WaitForLineAsync(l => l.Contains("Sampled: training round", StringComparison.Ordinal), Bound);
        }
        catch (Exception)
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    [Fact]
    [Trait("Category", "Interop")]
    public async Task JsLibp2pPeer_InTheSessionOverlay_NeitherBreaksTheNodesNorIsBrokenByThem()
    {
        await using var cluster = await ProcessCluster.StartAsync(4, sampleSize: 2);
        await using var js = await Libp2p.Gossip.Tests.Kit.JsPeer.StartAsync($"decentral/{cluster.Session}/1");
        try
        {
            var started = await cluster.AccuracyAsync(0, Bound);
            js.Send(new { cmd = "dial", addr = cluster.Bootstrap });
            await js.Events.WaitForAsync(e => Libp2p.Gossip.Tests.Kit.JsPeer.Is(e, "dialed"));

            // js hears the nodes' signed announcements on the session topic ...
            var heard = await js.Events.WaitForAsync(e => Libp2p.Gossip.Tests.Kit.JsPeer.Is(e, "message"), Bound);
            Assert.Contains(heard.GetProperty("from").GetString(), cluster.Nodes.Select(n => n.Status()?.PeerId));

            // ... and what it publishes there is not a session message: refused, logged, nothing breaks.
            js.Send(new { cmd = "publish", dataBase64 = Convert.ToBase64String("hello from js"u8.ToArray()) });
            await Task.WhenAny(cluster.Nodes.Select(n => n.WaitForLineAsync(l => l.Contains($"Dropped a gossip message from {js.PeerId}", StringComparison.Ordinal), Bound)));
            var later = await cluster.AccuracyAsync(0, Bound, minRound: started.Round + 20);
            output.WriteLine($"rounds went on to {later.Round} with js in the overlay");

            var nodePeer = cluster.Nodes[0].Status()!.PeerId;
            js.Send(new { cmd = "ping", peer = nodePeer });
            await js.Events.WaitForAsync(e => Libp2p.Gossip.Tests.Kit.JsPeer.Is(e, "ping"), Bound);
            Assert.All(cluster.Nodes, n => Assert.False(n.HasExited));
            Assert.All(cluster.Nodes, n => Assert.DoesNotContain(js.PeerId, n.Status()!.Members));
        }
        catch (Exception)
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private static (int Node, long Round) LatestAggregator(ProcessCluster cluster) =>
        cluster.Nodes
            .Select((n, i) => (Node: i, Round: n.Rows().Where(r => r.Role == Telemetry.NodeRole.Aggregator).Select(r => r.Round).DefaultIfEmpty(0).Max()))
            .MaxBy(x => x.Round);
}
