using System.Net;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Tests.Kit;
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

        time.Advance(options.UpgradeTimeout);

        // Before the fix the endpoint was read from the disposed socket and this line was lost.
        var line = await logs.WaitForAsync("handshake timed out");
        Assert.Contains(endpoint, line, StringComparison.Ordinal);
        Assert.True(await ClosedByHostAsync(idle));
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
