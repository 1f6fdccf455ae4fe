using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Libp2p.Gossip.Tests.Router;

public sealed class GossipRouterPropertyTests
{
    private const string Topic = "p";

    [Property(MaxTest = 25)]
    public Property Heartbeats_RandomTopology_MeshesWithinBoundsAndSymmetric(PositiveInt peerCount, int topologySeed)
    {
        var n = 2 + (peerCount.Get % 24);
        using var net = new RouterNet();
        var routers = Enumerable.Range(0, n).Select(i => net.Add(i)).ToList();
        foreach (var r in routers)
        {
            r.Subscribe(Topic);
        }

        var random = new Random(topologySeed);
        for (var i = 1; i < n; i++)
        {
            net.Connect(routers[i], routers[random.Next(i)]);
            var extra = random.Next(n);
            if (extra != i)
            {
                net.Connect(routers[i], routers[extra]);
            }
        }

        for (var i = 0; i < 4; i++)
        {
            net.Heartbeat();
        }

        var options = new GossipOptions();
        var ok = routers.All(r =>
        {
            var mesh = r.MeshPeers(Topic);
            var known = r.TopicPeers(Topic).Count;

            // Never above D_hi; at least min(D_lo, neighbours) unless neighbours prune us (backoff).
            return mesh.Count <= options.DHigh && mesh.All(p => r.TopicPeers(Topic).Contains(p)) && (mesh.Count >= Math.Min(options.DLow, known) || known > options.DHigh);
        });

        // After the dust settles GRAFT/PRUNE keep both ends in agreement: a is in b's mesh iff b is in a's.
        var byId = routers.ToDictionary(r => r.LocalPeer);
        var symmetric = routers.All(r => r.MeshPeers(Topic).All(p => byId[p].MeshPeers(Topic).Contains(r.LocalPeer)));
        return (ok && symmetric).Label($"n={n}");
    }

    [Fact]
    public void Publish_FloodPublishOn_SendsToEveryTopicPeerNotOnlyMesh()
    {
        using var net = new RouterNet();
        var a = net.Add(0, new GossipOptions { D = 2, DLow = 1, DHigh = 3, DOut = 0 });
        var peers = Enumerable.Range(1, 8).Select(i => net.Add(i)).ToList();
        a.Subscribe(Topic);
        foreach (var p in peers)
        {
            p.Subscribe(Topic);
            net.Connect(a, p);
        }

        net.Heartbeat();
        net.Heartbeat();
        Assert.InRange(a.MeshPeers(Topic).Count, 1, 3);

        var result = a.Publish(Topic, [1]);

        Assert.Equal(peers.Count, result.Recipients);
    }

    [Fact]
    public void Prune_ToMeshSub10Peer_CarriesNoBackoffField()
    {
        using var net = new RouterNet();
        var a = net.Add(0);
        using var old = RouterNet.Identity(50);
        a.Subscribe(Topic);
        a.AddPeer(old.PeerId, GossipProtocol.MeshSub10, outbound: true);
        a.HandleRpc(old.PeerId, new Rpc([new SubscriptionChange(true, Topic)], [], ControlMessage.Empty));
        a.Heartbeat();
        Assert.Contains(old.PeerId, a.MeshPeers(Topic));
        a.TakeEffects();

        a.Unsubscribe(Topic);

        var prune = a.TakeEffects().Sends.SelectMany(s => s.Rpc.Control.Prune).Single();
        Assert.Null(prune.BackoffSeconds);
    }
}
