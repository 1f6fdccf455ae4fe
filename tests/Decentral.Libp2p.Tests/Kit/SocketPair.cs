using System.Net;
using System.Net.Sockets;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>Two connected loopback TCP streams, for protocol tests below the host.</summary>
internal sealed class SocketPair : IAsyncDisposable
{
    private SocketPair(NetworkStream client, NetworkStream server)
    {
        Client = client;
        Server = server;
    }

    public NetworkStream Client { get; }

    public NetworkStream Server { get; }

    public static async Task<SocketPair> CreateAsync(AddressFamily family = AddressFamily.InterNetwork, int? bufferSize = null)
    {
        var loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        using var listener = new TcpListener(loopback, 0);
        listener.Start();
        var client = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync(listener.LocalEndpoint);
        var server = await accept;
        if (bufferSize is { } size)
        {
            client.ReceiveBufferSize = size;
            server.SendBufferSize = size;
        }

        return new SocketPair(new NetworkStream(client, true), new NetworkStream(server, true));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
