using System.Net;
using System.Security.Cryptography;
using System.Text;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Tests.Kit;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Interop;

/// <summary>
/// A host holding 500 idle attacker sockets still lets a real peer in, C# or js, to gossip and
/// to move models both ways; its own outbound dials go through too. The idle sockets keep their
/// handshake slots the whole time (a 10 min handshake timeout), the worst case for the budget.
/// </summary>
[Trait("Category", "Interop")]
public sealed class FloodedListenerTests
{
    private const string Topic = "decentral-flood";
    private const int IdleSocketCount = 500;
    private const int RequestBytes = 4 * 1024 * 1024;
    private const int ResponsePatternBytes = 2 * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly GossipOptions FastHeartbeat = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(100) };

    /// <summary>From one address the per-address limit refuses the flood; from 125 addresses (4 each) it overruns the pending budget, which evicts the oldest.</summary>
    public static TheoryData<int> Sources => new() { 1, 125 };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task FloodedHost_500IdleSockets_CSharpPeerGossipsAndTransfersModelsBothWays(int sources)
    {
        await using var host = await StartFloodedAsync(80, sources);
        await using var peer = await LoopbackPeer.StartAsync(81, FastHeartbeat);
        await using var dialed = await LoopbackPeer.StartAsync(82, FastHeartbeat);
        ServeModels(peer);
        peer.Gossip.Subscribe(Topic);

        await peer.DialAsync(host.Peer);
        await host.Peer.DialAsync(dialed);
        await host.Peer.WaitForRouterAsync(r => r.MeshPeers(Topic).Contains(peer.PeerId), "host meshed with the peer");
        await peer.WaitForRouterAsync(r => r.MeshPeers(Topic).Contains(host.Peer.PeerId), "peer meshed with the host");
        host.Peer.Gossip.Publish(Topic, "from-host"u8.ToArray());
        peer.Gossip.Publish(Topic, "from-peer"u8.ToArray());
        await peer.Messages.WaitAsync(m => m.Any(x => Encoding.UTF8.GetString(x.Data) == "from-host"), Timeout, "peer got the host's message");
        await host.Peer.Messages.WaitAsync(m => m.Any(x => Encoding.UTF8.GetString(x.Data) == "from-peer"), Timeout, "host got the peer's message");

        foreach (var (client, server) in new[] { (peer, host.Peer), (host.Peer, peer) })
        {
            using var response = new MemoryStream();
            var body = Pattern(RequestBytes);
            var result = await client.Transfer.RequestAsync(server.PeerId, "model"u8.ToArray(), new MemoryStream(body), body.Length, response);
            Assert.True(result.Ok, result.Reason);
            Assert.Equal(ExpectedResponse(), response.ToArray());
        }

        host.AssertFloodHeld(sources);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task FloodedHost_500IdleSockets_JsPeerGossipsAndTransfersAModel(int sources)
    {
        await using var host = await StartFloodedAsync(83, sources);
        await using var js = await JsPeer.StartAsync(Topic);

        js.Send(new { cmd = "dial", addr = $"{host.Peer.Address}/p2p/{host.Peer.PeerId}" });
        await host.Peer.WaitForRouterAsync(r => r.MeshPeers(Topic).Any(p => p.ToString() == js.PeerId), "host meshed with js");
        await js.Events.WaitAsync(e => JsPeer.LastMeshSize(e) == 1, Timeout, "js meshed with the host");
        host.Peer.Gossip.Publish(Topic, "from-host"u8.ToArray());
        js.Send(new { cmd = "publish", dataBase64 = Convert.ToBase64String("from-js"u8) });
        await js.Events.WaitAsync(e => e.Any(x => JsPeer.Is(x, "message")), Timeout, "js got the host's message");
        await host.Peer.Messages.WaitAsync(m => m.Any(x => Encoding.UTF8.GetString(x.Data) == "from-js"), Timeout, "host got the js message");
        Assert.Equal("from-host", Encoding.UTF8.GetString(Assert.Single(js.ReceivedData())));

        js.Send(new { cmd = "model", peer = host.Peer.PeerId.ToString(), bodyBytes = RequestBytes });
        await js.Events.WaitAsync(e => e.Any(x => JsPeer.Is(x, "model") || JsPeer.Is(x, "error")), Timeout, "js model exchange ended");
        var model = js.Events.Snapshot().First(x => JsPeer.Is(x, "model"));
        Assert.Equal(0, model.GetProperty("status").GetInt32());
        Assert.Equal(ExpectedResponse().Length, model.GetProperty("bytes").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ExpectedResponse())), model.GetProperty("sha256").GetString());

        host.AssertFloodHeld(sources);
    }

    private static async Task<FloodedHost> StartFloodedAsync(int index, int sources)
    {
        var peer = await LoopbackPeer.StartAsync(index, FastHeartbeat, hostOptions: o =>
        {
            o.AddressLimitExemptions = [];
            o.HandshakeTimeout = TimeSpan.FromMinutes(10);
        });
        ServeModels(peer);
        peer.Gossip.Subscribe(Topic);
        var flooded = new FloodedHost(peer);
        Assert.True(peer.Address.TryGetTcpTarget(out var ip, out var port, out _));
        flooded.Idle = await IdleSockets.OpenAsync(new IPEndPoint(IPAddress.Parse(ip), port), IdleSocketCount, IdleSockets.LoopbackSources(sources));

        // Every socket beyond what the budget holds was refused (one address) or evicted (many).
        await (sources == 1 ? flooded.Refused : flooded.Failed).WaitForMeasurementsAsync(IdleSocketCount - flooded.Held(sources), Timeout);
        return flooded;
    }

    /// <summary>Answers every request with SHA-256 of its body followed by a pattern, so both directions are checked.</summary>
    private static void ServeModels(LoopbackPeer peer) => peer.Transfer.Serve(async (_, request, ct) =>
    {
        using var sink = new HashingSink();
        await request.Body.CopyToAsync(sink, ct);
        var answer = new MemoryStream([.. sink.Hash(), .. Pattern(ResponsePatternBytes)]);
        return new ModelResponse(TransferStatus.Ok, answer, answer.Length);
    });

    private static byte[] ExpectedResponse() => [.. SHA256.HashData(Pattern(RequestBytes)), .. Pattern(ResponsePatternBytes)];

    /// <summary>Byte i is (31 i + 7) mod 256, as gossip-peer.mjs writes it.</summary>
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + 7);
        }

        return bytes;
    }

    private sealed class FloodedHost(LoopbackPeer peer) : IAsyncDisposable
    {
        public LoopbackPeer Peer { get; } = peer;

        public MetricCollector<long> Refused { get; } = new(peer.Host.Meter, Libp2pMetrics.ConnectionsRefused);

        public MetricCollector<long> Failed { get; } = new(peer.Host.Meter, Libp2pMetrics.HandshakesFailed);

        public MetricCollector<long> Pending { get; } = new(peer.Host.Meter, Libp2pMetrics.HandshakesPending);

        public IdleSockets? Idle { get; set; }

        /// <summary>Idle sockets the host keeps in their handshake: the per-address or the global pending limit.</summary>
        public int Held(int sources) => sources == 1 ? new Libp2pHostOptions().MaxPendingHandshakesPerAddress : new Libp2pHostOptions().MaxPendingInboundHandshakes;

        /// <summary>
        /// After the exchanges the idle sockets still hold their slots (less the one the real
        /// peer's socket evicted, when the global budget was full), and nothing was refused or
        /// failed for another reason.
        /// </summary>
        public void AssertFloodHeld(int sources)
        {
            Pending.RecordObservableInstruments();
            var held = sources == 1 ? Held(sources) : Held(sources) - 1;
            Assert.Contains(Pending.GetMeasurementSnapshot(), m => (string?)m.Tags["direction"] == "inbound" && m.Value == held);
            var expected = sources == 1 ? "address_pending_limit" : "evicted";
            var reasons = Refused.GetMeasurementSnapshot().Concat(Failed.GetMeasurementSnapshot()).Select(m => (string?)m.Tags["reason"]);
            Assert.All(reasons, r => Assert.Equal(expected, r));
        }

        public async ValueTask DisposeAsync()
        {
            Refused.Dispose();
            Failed.Dispose();
            Pending.Dispose();
            Idle?.Dispose();
            await Peer.DisposeAsync();
        }
    }
}
