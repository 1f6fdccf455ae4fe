using System.Buffers;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Wire;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Tests.Kit;

namespace Decentral.Libp2p.Gossip.Tests.Service;

[Trait("Category", "Loopback")]
public sealed class LoopbackGossipTests
{
    private const string Topic = "loopback";

    [Fact]
    public async Task Publish_LineOfThreePeers_EveryMessageReachesEveryOtherPeer()
    {
        await using var a = await LoopbackPeer.StartAsync(1);
        await using var b = await LoopbackPeer.StartAsync(2);
        await using var c = await LoopbackPeer.StartAsync(3);
        LoopbackPeer[] peers = [a, b, c];
        foreach (var p in peers)
        {
            p.Gossip.Subscribe(Topic);
        }

        await a.DialAsync(b);
        await c.DialAsync(b);

        // a and c are not neighbours: their messages must be forwarded through b's mesh.
        await b.WaitForRouterAsync(r => r.MeshPeers(Topic).Count == 2, "b meshed with a and c");
        await a.WaitForRouterAsync(r => r.MeshPeers(Topic).Count == 1, "a meshed with b");
        await c.WaitForRouterAsync(r => r.MeshPeers(Topic).Count == 1, "c meshed with b");
        foreach (var p in peers)
        {
            p.Gossip.Publish(Topic, p.PeerId.Bytes.ToArray());
        }

        foreach (var p in peers)
        {
            await p.Messages.WaitAsync(m => m.Count >= 2, LoopbackPeer.Timeout, $"{p.PeerId} got 2 messages");
            var authors = p.Messages.Snapshot().Select(m => m.Author).ToHashSet();
            Assert.Equal(peers.Where(o => o != p).Select(o => o.PeerId).ToHashSet(), authors);
        }
    }

    [Fact]
    public async Task InboundGarbage_RejectedWithReason_ConnectionAndGossipKeepWorking()
    {
        await using var a = await LoopbackPeer.StartAsync(4);
        await using var b = await LoopbackPeer.StartAsync(5);
        var rejections = new EventLog<RpcRejection>();
        a.Gossip.RpcRejected += (_, r) => rejections.Add(r);
        a.Gossip.Subscribe(Topic);
        b.Gossip.Subscribe(Topic);
        await b.DialAsync(a);
        await a.WaitForRouterAsync(r => r.MeshPeers(Topic).Count == 1, "a meshed with b");

        // A raw peer that speaks meshsub by hand.
        using var rawIdentity = RouterNet.Identity(77);
        await using var raw = await RawMeshSubPeerAsync(rawIdentity, a);
        var stream = await OpenMeshSubAsync(raw, a);

        await stream.WriteAsync(new byte[] { 5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        var badSeqno = new Rpc([], [new PubSubMessage(rawIdentity.PeerId.Bytes.ToArray(), [1], new byte[7], Topic, new byte[64], [])], ControlMessage.Empty);
        var buffer = new ArrayBufferWriter<byte>();
        RpcEncoder.WriteLengthPrefixed(badSeqno, buffer);
        await stream.WriteAsync(buffer.WrittenMemory);
        await stream.FlushAsync();

        await rejections.WaitAsync(r => r.Count >= 2, LoopbackPeer.Timeout, "two rejections");
        Assert.Equal([RpcRejectReason.Malformed, RpcRejectReason.SeqnoLength], rejections.Snapshot().Select(r => r.Reason));

        // An oversized length prefix drops only that stream; the connection still answers pings.
        await stream.WriteAsync(Varint.Encode(64UL * 1024 * 1024));
        await stream.FlushAsync();
        await rejections.WaitAsync(r => r.Count >= 3, LoopbackPeer.Timeout, "oversized RPC rejected");
        Assert.Equal(RpcRejectReason.Oversized, rejections.Snapshot()[2].Reason);
        var ping = await raw.PingAsync(a.PeerId);
        Assert.Equal(PingStatus.Ok, ping.Status);

        b.Gossip.Publish(Topic, [9, 9]);
        await a.Messages.WaitAsync(m => m.Any(x => x.Data.SequenceEqual(new byte[] { 9, 9 })), LoopbackPeer.Timeout, "a still receives");
    }

    [Fact]
    public async Task InboundStream_ResetBetweenRpcs_EndsWithoutAWarning_BadLengthPrefix_Warns()
    {
        // A peer that leaves resets its streams between RPCs: that is no fault of the peer's, and
        // a node whose peers stop used to log one "bad length prefix" warning per stream for it.
        var logs = new ListLoggerFactory();
        await using var a = await LoopbackPeer.StartAsync(9, logs: logs);
        using var rawIdentity = RouterNet.Identity(79);
        await using var raw = await RawMeshSubPeerAsync(rawIdentity, a);

        var first = await OpenMeshSubAsync(raw, a);
        var ended = logs.WaitForAsync("ended: reset or closed between RPCs");
        first.Reset();
        Assert.StartsWith("Debug:", await ended, StringComparison.Ordinal);

        var second = await OpenMeshSubAsync(raw, a);
        var warned = logs.WaitForAsync("bad length prefix");
        await second.WriteAsync(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 });
        await second.FlushAsync();
        Assert.StartsWith("Warning:", await warned, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal) && l.Contains("reset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Peer_OnlyMeshSub10_NegotiatesFallbackProtocol()
    {
        await using var a = await LoopbackPeer.StartAsync(8);
        using var oldIdentity = RouterNet.Identity(88);
        await using var old = new Libp2pHost(oldIdentity, new Libp2pHostOptions(), TimeProvider.System);
        var negotiated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        old.SetStreamHandler(GossipProtocols.MeshSub10Id, async (stream, ct) =>
        {
            negotiated.TrySetResult(stream.Protocol);
            await stream.CopyToAsync(Stream.Null, ct);
        });

        Assert.True((await old.DialAsync(a.Address)).IsConnected);

        Assert.Equal(GossipProtocols.MeshSub10Id, await negotiated.Task.WaitAsync(LoopbackPeer.Timeout));
        await a.WaitForRouterAsync(r => r.Peers.Contains(oldIdentity.PeerId), "a added the 1.0 peer");
    }

    [Fact]
    public async Task Disconnect_RemovesPeerFromRouter()
    {
        await using var a = await LoopbackPeer.StartAsync(6);
        await using var b = await LoopbackPeer.StartAsync(7);
        a.Gossip.Subscribe(Topic);
        b.Gossip.Subscribe(Topic);
        await a.DialAsync(b);
        await a.WaitForRouterAsync(r => r.TopicPeers(Topic).Count == 1, "a sees b subscribed");

        Assert.True(await a.Host.DisconnectAsync(b.PeerId));

        await a.WaitForRouterAsync(r => r.Peers.Count == 0 && r.MeshPeers(Topic).Count == 0, "b removed");
    }

    // A bare libp2p host connected to `to` that answers meshsub streams by reading them to the end.
    private static async Task<Libp2pHost> RawMeshSubPeerAsync(PeerIdentity identity, LoopbackPeer to)
    {
        var raw = new Libp2pHost(identity, new Libp2pHostOptions(), TimeProvider.System);
        raw.SetStreamHandler(GossipProtocols.MeshSub11Id, async (stream, ct) => await stream.CopyToAsync(Stream.Null, ct));
        Assert.True((await raw.DialAsync(to.Address)).IsConnected);
        return raw;
    }

    private static async Task<Libp2pStream> OpenMeshSubAsync(Libp2pHost raw, LoopbackPeer to)
    {
        var opened = await raw.OpenStreamAsync(to.PeerId, [GossipProtocols.MeshSub11Id]);
        Assert.True(opened.IsOpened, opened.Reason);
        return opened.Stream!;
    }
}
