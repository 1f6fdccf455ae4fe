using System.Buffers;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Wire;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Kit;

/// <summary>
/// Routers wired together in memory with no sockets: every RPC is encoded and decoded (so the
/// codec is on the path) and delivered synchronously until the network is quiet. Time is a
/// fake clock; each router has its own seeded Random, so runs are reproducible.
/// </summary>
internal sealed class RouterNet : IDisposable
{
    private readonly List<PeerIdentity> _identities = [];
    private readonly Dictionary<PeerId, GossipRouter> _routers = [];
    private readonly HashSet<(PeerId, PeerId)> _links = [];

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public Dictionary<PeerId, List<GossipDelivery>> Delivered { get; } = [];

    /// <summary>Every RPC that crossed the wire, in order (from, to, rpc).</summary>
    public List<(PeerId From, PeerId To, Rpc Rpc)> Sent { get; } = [];

    public static PeerIdentity Identity(int index)
    {
        var seed = new byte[32];
        seed[0] = (byte)index;
        seed[1] = (byte)(index >> 8);
        seed[31] = 0x5A;
        return PeerIdentity.FromSeed(seed);
    }

    public GossipRouter Add(int index, GossipOptions? options = null)
    {
        var identity = Identity(index);
        _identities.Add(identity);
        var router = new GossipRouter(identity, options ?? new GossipOptions(), Time, new Random(1000 + index));
        _routers.Add(router.LocalPeer, router);
        Delivered[router.LocalPeer] = [];
        return router;
    }

    /// <summary>Connects <paramref name="dialer"/> to <paramref name="listener"/> (dialer sees an outbound peer).</summary>
    public void Connect(GossipRouter dialer, GossipRouter listener)
    {
        _links.Add((dialer.LocalPeer, listener.LocalPeer));
        _links.Add((listener.LocalPeer, dialer.LocalPeer));
        dialer.AddPeer(listener.LocalPeer, GossipProtocol.MeshSub11, outbound: true);
        listener.AddPeer(dialer.LocalPeer, GossipProtocol.MeshSub11, outbound: false);
        Pump();
    }

    public void Disconnect(GossipRouter a, GossipRouter b)
    {
        _links.Remove((a.LocalPeer, b.LocalPeer));
        _links.Remove((b.LocalPeer, a.LocalPeer));
        a.RemovePeer(b.LocalPeer);
        b.RemovePeer(a.LocalPeer);
        Pump();
    }

    /// <summary>Delivers queued RPCs until no router has anything left to send.</summary>
    public void Pump()
    {
        var progress = true;
        while (progress)
        {
            progress = false;
            foreach (var router in _routers.Values.ToList())
            {
                var effects = router.TakeEffects();
                Delivered[router.LocalPeer].AddRange(effects.Deliveries);
                foreach (var send in effects.Sends)
                {
                    progress = true;
                    if (!_links.Contains((router.LocalPeer, send.Peer)))
                    {
                        continue;
                    }

                    var buffer = new ArrayBufferWriter<byte>();
                    RpcEncoder.Write(send.Rpc, buffer);
                    var decoded = RpcDecoder.Decode(buffer.WrittenSpan, new RpcLimits());
                    Assert.True(decoded.Ok, decoded.Detail);
                    Sent.Add((router.LocalPeer, send.Peer, decoded.Rpc!));
                    _routers[send.Peer].HandleRpc(router.LocalPeer, decoded.Rpc!);
                }
            }
        }
    }

    /// <summary>Advances the clock one heartbeat interval and runs every router's heartbeat.</summary>
    public void Heartbeat(TimeSpan? interval = null)
    {
        Time.Advance(interval ?? TimeSpan.FromSeconds(1));
        foreach (var router in _routers.Values)
        {
            router.Heartbeat();
        }

        Pump();
    }

    public void Dispose()
    {
        foreach (var identity in _identities)
        {
            identity.Dispose();
        }
    }
}
