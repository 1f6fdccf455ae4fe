using System.Net;
using System.Net.Sockets;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>
/// An attacker's idle TCP sockets to a listener: opened from given source addresses (127.0.0.x
/// all route to loopback on Linux, so they model distinct remote addresses) and never written to.
/// Shared by the Libp2p and Gossip test projects (linked source file).
/// </summary>
internal sealed class IdleSockets : IDisposable
{
    private readonly List<Socket> _sockets;

    private IdleSockets(List<Socket> sockets) => _sockets = sockets;

    public int Count => _sockets.Count;

    /// <summary>127.0.0.2, 127.0.0.3, ...: <paramref name="count"/> loopback source addresses other than 127.0.0.1.</summary>
    public static IReadOnlyList<IPAddress> LoopbackSources(int count) =>
        [.. Enumerable.Range(2, count).Select(i => new IPAddress([127, 0, (byte)(i / 256), (byte)(i % 256)]))];

    /// <summary>Opens <paramref name="count"/> sockets to <paramref name="target"/>, round-robin over <paramref name="sources"/>.</summary>
    public static async Task<IdleSockets> OpenAsync(IPEndPoint target, int count, IReadOnlyList<IPAddress> sources)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(sources[i % sources.Count], 0));
                await socket.ConnectAsync(target);
            }
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }

        return new IdleSockets(sockets);
    }

    public void Dispose() => _sockets.ForEach(s => s.Dispose());
}
