using System.Net;
using System.Net.Sockets;

namespace Decentral.Soak.Attack;

/// <summary>
/// Connection floods against libp2p listeners on loopback: idle sockets that never handshake,
/// connect-and-close churn, and garbage instead of a handshake. Each flood runs until its token
/// is cancelled and asks <c>target</c> for the listener before every connection, so a caller
/// can move it between nodes (or find a node gone and skip). 127.0.0.x sources model distinct
/// remote hosts.
/// </summary>
public sealed class Floods(Func<IPEndPoint?> target)
{
    private long _sockets;
    private long _garbageBytes;

    /// <summary>Sockets connected so far (every flood).</summary>
    public long Sockets => Interlocked.Read(ref _sockets);

    /// <summary>Bytes of garbage sent so far.</summary>
    public long GarbageBytes => Interlocked.Read(ref _garbageBytes);

    /// <summary>
    /// <paramref name="count"/> idle sockets from 127.0.0.2..127.0.0.101, each reopened as the
    /// listener closes it (its handshake budget evicts or times them out).
    /// </summary>
    public Task IdleAsync(int count, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(i => IdleOneAsync(new IPAddress([127, 0, 0, (byte)(2 + (i % 100))]), stop)));

    /// <summary>Connect and close at once, <paramref name="parallel"/> at a time; at most <paramref name="perSecond"/> connections a second per loop when given.</summary>
    public Task ChurnAsync(int parallel, double? perSecond, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => LoopAsync(perSecond, _ => Task.CompletedTask, stop)));

    /// <summary>Connect, send <paramref name="bytes"/> random bytes, close; <paramref name="parallel"/> at a time.</summary>
    public Task GarbageAsync(int parallel, int bytes, double? perSecond, CancellationToken stop)
    {
        var junk = new byte[bytes];
        new Random(7).NextBytes(junk);
        return Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => LoopAsync(perSecond, async s =>
        {
            await s.SendAsync(junk, SocketFlags.None, stop);
            Interlocked.Add(ref _garbageBytes, junk.Length);
        }, stop)));
    }

    private async Task IdleOneAsync(IPAddress source, CancellationToken stop)
    {
        var buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            if (target() is not { } endPoint)
            {
                await PauseAsync(stop);
                continue;
            }

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (!await ConnectAsync(socket, source, endPoint, stop))
            {
                continue;
            }

            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, stop) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // Closed by the listener: open the next one.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The flood ends.
            }
        }
    }

    private async Task LoopAsync(double? perSecond, Func<Socket, Task> connected, CancellationToken stop)
    {
        using var pace = perSecond is { } rate ? new PeriodicTimer(TimeSpan.FromSeconds(1 / rate)) : null;
        while (!stop.IsCancellationRequested)
        {
            if (target() is not { } endPoint)
            {
                await PauseAsync(stop);
                continue;
            }

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (!await ConnectAsync(socket, null, endPoint, stop))
            {
                continue;
            }

            try
            {
                await connected(socket);
                if (pace is not null)
                {
                    await pace.WaitForNextTickAsync(stop);
                }
            }
            catch (SocketException)
            {
                // Refused or reset by the listener: that is the flood working.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The flood ends.
            }
        }
    }

    // True once connected (and counted); false after a pause when the listener refused or is down.
    private async Task<bool> ConnectAsync(Socket socket, IPAddress? source, IPEndPoint endPoint, CancellationToken stop)
    {
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(endPoint, stop);
            Interlocked.Increment(ref _sockets);
            return true;
        }
        catch (SocketException)
        {
            await PauseAsync(stop);
            return false;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    // A refused connection returns at once: without a pause a flood against a node that is down
    // spins a core instead of flooding anything.
    private static async Task PauseAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), stop);
        }
        catch (OperationCanceledException)
        {
            // The flood ends.
        }
    }
}
