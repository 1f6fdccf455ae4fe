using System.Net;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Tests.Kit;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Libp2p.Tests;

/// <summary>The accept path: handshake timeouts, refusals and their logged reasons.</summary>
public sealed class ListenerTests
{
    [Fact]
    public async Task HandshakeTimeout_IdleSocket_LogsReasonWithRemoteEndpointAndCloses()
    {
        var logs = new ListLoggerFactory();
        var time = new FakeTimeProvider();
        var options = new Libp2pHostOptions();
        using var identity = PeerIdentity.FromSeed(Enumerable.Repeat((byte)7, 32).ToArray());
        await using var host = new Libp2pHost(identity, options, time, logs);
        var listening = await host.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        Assert.True(listening.IsListening, listening.Error);
        Assert.True(listening.Address.TryGetTcpTarget(out var ip, out var port, out _));

        using var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(IPAddress.Parse(ip), port);
        var endpoint = idle.LocalEndPoint!.ToString()!;
        await logs.WaitForAsync($"from {endpoint} accepted");

        time.Advance(options.HandshakeTimeout);

        // Before the fix the endpoint was read from the disposed socket and this line was lost.
        var line = await logs.WaitForAsync("handshake timed out");
        Assert.Contains(endpoint, line, StringComparison.Ordinal);
        Assert.True(await ClosedByHostAsync(idle));
    }

    [Fact]
    public async Task PendingHandshakes_OverPerAddressLimit_RefusedWithReasonWhileOthersConnect()
    {
        var logs = new ListLoggerFactory();
        await using var host = await TestHost.StartAsync(1, Limited(o => o.MaxPendingHandshakesPerAddress = 4), logs: logs);
        await using var peer = await TestHost.StartAsync(2);
        using var refused = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsRefused);

        using var idle = await IdleSockets.OpenAsync(EndPointOf(host), 20, IdleSockets.LoopbackSources(1));
        await refused.WaitForMeasurementsAsync(16, Bounded.Timeout);

        Assert.All(refused.GetMeasurementSnapshot(), m => Assert.Equal("address_pending_limit", m.Tags["reason"]));
        Assert.Contains("address_pending_limit", await logs.WaitForAsync("refused: address_pending_limit"), StringComparison.Ordinal);
        Assert.True((await peer.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        Assert.Equal(16, refused.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task RefusalFlood_LogsOneWarningPerIntervalWithTheCountInBetween()
    {
        var logs = new ListLoggerFactory();
        var time = new FakeTimeProvider();
        var options = new Libp2pHostOptions { AddressLimitExemptions = [], MaxPendingHandshakesPerAddress = 1, HandshakeTimeout = TimeSpan.FromHours(1) };
        using var identity = PeerIdentity.FromSeed(Enumerable.Repeat((byte)8, 32).ToArray());
        await using var host = new Libp2pHost(identity, options, time, logs);
        var listening = await host.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        Assert.True(listening.Address!.TryGetTcpTarget(out var ip, out var port, out _));
        var target = new IPEndPoint(IPAddress.Parse(ip), port);
        using var refused = new MetricCollector<long>(host.Meter, Libp2pMetrics.ConnectionsRefused);

        using var first = await IdleSockets.OpenAsync(target, 11, IdleSockets.LoopbackSources(1));
        await refused.WaitForMeasurementsAsync(10, Bounded.Timeout);
        time.Advance(options.WarningInterval);
        using var second = await IdleSockets.OpenAsync(target, 1, IdleSockets.LoopbackSources(1));
        await refused.WaitForMeasurementsAsync(11, Bounded.Timeout);

        var lines = logs.Lines.Where(l => l.Contains("refused: address_pending_limit", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, lines.Count);
        var warnings = lines.Where(l => l.StartsWith("Warning:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("; 0 more of this kind", warnings[0], StringComparison.Ordinal);
        Assert.Contains("; 9 more of this kind", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PendingHandshakes_BudgetFull_OldestIsEvictedAndARealPeerGetsIn()
    {
        await using var host = await TestHost.StartAsync(1, Limited(o => o.MaxPendingInboundHandshakes = 8));
        await using var peer = await TestHost.StartAsync(2);
        using var failed = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.HandshakesFailed);

        // 4 sockets from each of 10 addresses: every address within its limit, the budget of 8 overrun.
        using var idle = await IdleSockets.OpenAsync(EndPointOf(host), 40, IdleSockets.LoopbackSources(10));
        await failed.WaitForMeasurementsAsync(32, Bounded.Timeout);
        Assert.All(failed.GetMeasurementSnapshot(), m => Assert.Equal("evicted", m.Tags["reason"]));

        Assert.True((await peer.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        Assert.Equal(PingStatus.Ok, (await peer.Host.PingAsync(host.Host.PeerId, Bounded.Token())).Status);
    }

    [Fact]
    public async Task InboundConnections_OverPerAddressLimit_RefusedAtAccept()
    {
        await using var host = await TestHost.StartAsync(1, Limited(o => o.MaxInboundConnectionsPerAddress = 2));
        await using var b = await TestHost.StartAsync(2);
        await using var c = await TestHost.StartAsync(3);
        await using var d = await TestHost.StartAsync(4);
        using var refused = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsRefused);
        using var opened = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsOpened);

        // All three dial from 127.0.0.1: the third is one connection too many for that address.
        Assert.True((await b.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        Assert.True((await c.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        await opened.WaitForMeasurementsAsync(2, Bounded.Timeout);
        Assert.False((await d.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);

        await refused.WaitForMeasurementsAsync(1, Bounded.Timeout);
        Assert.Equal("address_connection_limit", refused.LastMeasurement!.Tags["reason"]);
        Assert.Equal(2, host.Host.Connections.Count);
    }

    [Fact]
    public async Task Connections_OverPerPeerLimit_ClosedAfterHandshakeWithReason()
    {
        var logs = new ListLoggerFactory();
        await using var host = await TestHost.StartAsync(1, o => o.MaxConnectionsPerPeer = 1, logs: logs);
        await using var peer = await TestHost.StartAsync(2);
        using var refused = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsRefused);
        var withoutPeerId = host.Host.ListenAddresses[0];

        Assert.True((await peer.Host.DialAsync(withoutPeerId, Bounded.Token())).IsConnected);
        await peer.Host.DialAsync(withoutPeerId, Bounded.Token());

        await refused.WaitForMeasurementsAsync(1, Bounded.Timeout);
        Assert.Equal("peer_connection_limit", refused.LastMeasurement!.Tags["reason"]);
        await logs.WaitForAsync("refused: peer_connection_limit");
        Assert.Single(host.Host.Connections);
    }

    [Fact]
    public async Task Metrics_ConnectionLifeCycle_OpenedActiveAndClosedWithReason()
    {
        await using var host = await TestHost.StartAsync(1);
        await using var peer = await TestHost.StartAsync(2);
        using var opened = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsOpened);
        using var closed = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsClosed);
        using var active = new MetricCollector<long>(host.Host.Meter, Libp2pMetrics.ConnectionsActive);
        using var duration = new MetricCollector<double>(host.Host.Meter, Libp2pMetrics.HandshakeDuration);

        Assert.True((await peer.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        await opened.WaitForMeasurementsAsync(1, Bounded.Timeout);
        Assert.Equal("inbound", opened.LastMeasurement!.Tags["direction"]);
        Assert.True(duration.LastMeasurement!.Value >= 0);
        active.RecordObservableInstruments();
        Assert.Contains(active.GetMeasurementSnapshot(), m => m.Value == 1 && (string?)m.Tags["direction"] == "inbound");

        await peer.Host.DisconnectAsync(host.Host.PeerId);
        await closed.WaitForMeasurementsAsync(1, Bounded.Timeout);
        // An orderly close arrives as GoAway and end of stream, or as a reset when the remote
        // closed with unread data (the kernel may drop the GoAway with it).
        Assert.Contains((string?)closed.LastMeasurement!.Tags["reason"], new[] { "remote_closed", "transport_failed" });
    }

    /// <summary>Per-address limits on, for loopback too: 127.0.0.x addresses model distinct remote hosts.</summary>
    private static Action<Libp2pHostOptions> Limited(Action<Libp2pHostOptions> configure) => o =>
    {
        o.AddressLimitExemptions = [];
        o.HandshakeTimeout = TimeSpan.FromMinutes(10);
        configure(o);
    };

    private static IPEndPoint EndPointOf(TestHost host)
    {
        Assert.True(host.Address.TryGetTcpTarget(out var ip, out var port, out _));
        return new IPEndPoint(IPAddress.Parse(ip), port);
    }

    /// <summary>Reads what the host sent (its multistream header) until the host closes.</summary>
    private static async Task<bool> ClosedByHostAsync(Socket socket)
    {
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer).Within() > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }

        return true;
    }
}
