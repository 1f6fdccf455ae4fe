using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Tests.Router;

public sealed class GossipRouterTests
{
    private const string Topic = "t";

    [Fact]
    public void Publish_ConnectedGraph_EveryPeerDeliversEveryForeignMessageOnce()
    {
        using var net = new RouterNet();
        var routers = Enumerable.Range(0, 12).Select(i => net.Add(i, new GossipOptions { FloodPublish = false })).ToList();
        foreach (var r in routers)
        {
            r.Subscribe(Topic);
        }

        // A ring plus chords: connected, but most pairs are not neighbours, so forwarding matters.
        for (var i = 0; i < routers.Count; i++)
        {
            net.Connect(routers[i], routers[(i + 1) % routers.Count]);
            net.Connect(routers[i], routers[(i + 5) % routers.Count]);
        }

        net.Heartbeat();
        net.Heartbeat();
        foreach (var r in routers)
        {
            r.Publish(Topic, r.LocalPeer.Bytes.ToArray());
            net.Pump();
        }

        foreach (var r in routers)
        {
            var got = net.Delivered[r.LocalPeer];
            Assert.Equal(routers.Count - 1, got.Count);
            Assert.Equal(routers.Count - 1, got.Select(d => d.Id).Distinct().Count());
            Assert.DoesNotContain(got, d => d.Author == r.LocalPeer);
            Assert.All(got, d => Assert.Equal(d.Author.Bytes.ToArray(), d.Data));
        }
    }

    [Fact]
    public void Heartbeat_ManyGraftingPeers_KeepsMeshWithinBounds()
    {
        using var net = new RouterNet();
        var options = new GossipOptions();
        var hub = net.Add(0, options);
        hub.Subscribe(Topic);
        var leaves = Enumerable.Range(1, 25).Select(i => net.Add(i)).ToList();
        foreach (var leaf in leaves)
        {
            leaf.Subscribe(Topic);
            net.Connect(leaf, hub);
        }

        for (var i = 0; i < 3; i++)
        {
            net.Heartbeat();
            Assert.InRange(hub.MeshPeers(Topic).Count, options.DLow, options.DHigh);
        }

        // Every leaf has only the hub, so it grafted it; the hub accepted at most D_hi and pruned the rest.
        var prunes = net.Sent.Where(s => s.From == hub.LocalPeer).SelectMany(s => s.Rpc.Control.Prune).ToList();
        Assert.NotEmpty(prunes);
        Assert.All(prunes, p => Assert.Equal((ulong?)60, p.BackoffSeconds));
    }

    [Fact]
    public void LateJoiner_OutsideTheMesh_GetsEarlierMessageThroughIHaveAndIWant()
    {
        using var net = new RouterNet();
        var a = net.Add(0, new GossipOptions { D = 1, DLow = 1, DHigh = 2, DOut = 0 });
        var b = net.Add(1);
        a.Subscribe(Topic);
        b.Subscribe(Topic);
        net.Connect(a, b);
        net.Heartbeat();
        var published = a.Publish(Topic, [42]);
        net.Pump();

        // The late joiner never grafts (D = 0) and refuses grafts, so gossip is its only source.
        var late = net.Add(2, new GossipOptions { D = 0, DLow = 0, DHigh = 0, DOut = 0 });
        late.Subscribe(Topic);
        net.Connect(a, late);
        net.Heartbeat();

        Assert.Contains(net.Sent, s => s.From == a.LocalPeer && s.To == late.LocalPeer && s.Rpc.Control.IHave.Any(i => i.MessageIds.Contains(published.Id)));
        Assert.Contains(net.Sent, s => s.From == late.LocalPeer && s.Rpc.Control.IWant.Any(i => i.MessageIds.Contains(published.Id)));
        var delivery = Assert.Single(net.Delivered[late.LocalPeer]);
        Assert.Equal(published.Id, delivery.Id);
        Assert.Equal(1, late.Counters.IWantSent);
        Assert.Equal(1, a.Counters.IWantServed);
    }

    [Fact]
    public void Prune_SetsBackoff_NoRegraftUntilItExpires()
    {
        using var net = new RouterNet();
        var a = net.Add(0);
        using var remote = RouterNet.Identity(9);
        a.Subscribe(Topic);
        a.AddPeer(remote.PeerId, GossipProtocol.MeshSub11, outbound: true);
        a.HandleRpc(remote.PeerId, new Rpc([new SubscriptionChange(true, Topic)], [], ControlMessage.Empty));
        a.HandleRpc(remote.PeerId, new Rpc([], [], ControlMessage.Empty with { Prune = [new ControlPrune(Topic, [], 30)] }));
        a.TakeEffects();

        net.Time.Advance(TimeSpan.FromSeconds(29));
        a.Heartbeat();
        Assert.Empty(a.MeshPeers(Topic));
        Assert.DoesNotContain(a.TakeEffects().Sends, s => s.Rpc.Control.Graft.Count > 0);

        // A GRAFT from the peer during our backoff is refused with a PRUNE.
        a.HandleRpc(remote.PeerId, new Rpc([], [], ControlMessage.Empty with { Graft = [new ControlGraft(Topic)] }));
        Assert.Single(Assert.Single(a.TakeEffects().Sends).Rpc.Control.Prune);
        Assert.Empty(a.MeshPeers(Topic));

        net.Time.Advance(TimeSpan.FromSeconds(61));
        a.Heartbeat();
        Assert.Contains(remote.PeerId, a.MeshPeers(Topic));
        Assert.Contains(a.TakeEffects().Sends, s => s.Rpc.Control.Graft.Any(g => g.Topic == Topic));
    }

    [Fact]
    public void Graft_TopicNotJoined_AnsweredWithPrune()
    {
        using var net = new RouterNet();
        var a = net.Add(0);
        using var remote = RouterNet.Identity(9);
        a.AddPeer(remote.PeerId, GossipProtocol.MeshSub11, outbound: false);
        a.HandleRpc(remote.PeerId, new Rpc([], [], ControlMessage.Empty with { Graft = [new ControlGraft("other")] }));

        var send = Assert.Single(a.TakeEffects().Sends);
        Assert.Equal("other", Assert.Single(send.Rpc.Control.Prune).Topic);
        Assert.Equal(1, a.Counters.GraftsRefused);
    }

    [Fact]
    public void Unsubscribe_PrunesMeshWithUnsubscribeBackoff()
    {
        using var net = new RouterNet();
        var a = net.Add(0);
        var b = net.Add(1);
        a.Subscribe(Topic);
        b.Subscribe(Topic);
        net.Connect(a, b);
        net.Heartbeat();
        Assert.Contains(b.LocalPeer, a.MeshPeers(Topic));

        a.Unsubscribe(Topic);
        net.Pump();

        var prune = net.Sent.Last(s => s.From == a.LocalPeer).Rpc.Control.Prune.Single();
        Assert.Equal((ulong?)10, prune.BackoffSeconds);
        Assert.DoesNotContain(a.LocalPeer, b.MeshPeers(Topic));
        Assert.DoesNotContain(a.LocalPeer, b.TopicPeers(Topic));
    }

    [Fact]
    public void Fanout_PublishWithoutJoining_ExpiresAfterTtl()
    {
        using var net = new RouterNet();
        var options = new GossipOptions { FloodPublish = false, FanoutTtl = TimeSpan.FromSeconds(5) };
        var a = net.Add(0, options);
        var peers = Enumerable.Range(1, 8).Select(i => net.Add(i)).ToList();
        foreach (var p in peers)
        {
            p.Subscribe(Topic);
            net.Connect(a, p);
        }

        var result = a.Publish(Topic, [1]);
        net.Pump();

        Assert.Equal(options.D, result.Recipients);
        Assert.Equal(options.D, a.FanoutPeers(Topic).Count);
        net.Heartbeat(TimeSpan.FromSeconds(4));
        Assert.Equal(options.D, a.FanoutPeers(Topic).Count);
        net.Heartbeat(TimeSpan.FromSeconds(2));
        Assert.Empty(a.FanoutPeers(Topic));
    }

    [Fact]
    public void HandleRpc_TamperedMessage_NotDeliveredNorForwarded()
    {
        using var net = new RouterNet();
        var a = net.Add(0);
        using var author = RouterNet.Identity(7);
        using var sender = RouterNet.Identity(8);
        a.Subscribe(Topic);
        a.AddPeer(sender.PeerId, GossipProtocol.MeshSub11, outbound: true);
        var forged = MessageSigning.CreateSigned(author, Topic, [1], 1) with { Data = [2] };

        a.HandleRpc(sender.PeerId, new Rpc([], [forged], ControlMessage.Empty));

        Assert.Empty(a.TakeEffects().Deliveries);
        Assert.Equal(1, a.Counters.InvalidMessages[MessageRejectReason.BadSignature]);
    }

    [Fact]
    public void IWant_SameMessageRepeatedly_ServedAtMostRetransmissionLimit()
    {
        using var net = new RouterNet();
        var a = net.Add(0);
        using var remote = RouterNet.Identity(9);
        a.AddPeer(remote.PeerId, GossipProtocol.MeshSub11, outbound: false);
        var id = a.Publish(Topic, [5]).Id;
        a.TakeEffects();

        var served = 0;
        for (var i = 0; i < 5; i++)
        {
            a.HandleRpc(remote.PeerId, new Rpc([], [], ControlMessage.Empty with { IWant = [new ControlIWant([id])] }));
            served += a.TakeEffects().Sends.Sum(s => s.Rpc.Messages.Count);
        }

        Assert.Equal(new GossipOptions().GossipRetransmission, served);
    }

    [Fact]
    public void Router_SameSeedsAndEvents_ProducesIdenticalTraffic()
    {
        static List<string> Run()
        {
            using var net = new RouterNet();
            var routers = Enumerable.Range(0, 10).Select(i => net.Add(i)).ToList();
            foreach (var r in routers)
            {
                r.Subscribe(Topic);
            }

            for (var i = 1; i < routers.Count; i++)
            {
                net.Connect(routers[i], routers[i / 2]);
            }

            net.Heartbeat();
            routers[3].Publish(Topic, [3]);
            net.Heartbeat();
            return [.. net.Sent.Select(s => $"{s.From}>{s.To}:{s.Rpc.Messages.Count}/{s.Rpc.Control.Graft.Count}/{s.Rpc.Control.Prune.Count}/{s.Rpc.Control.IHave.Count}")];
        }

        Assert.Equal(Run(), Run());
    }
}
