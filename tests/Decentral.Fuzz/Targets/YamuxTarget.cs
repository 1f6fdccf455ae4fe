using System.Collections.Concurrent;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Yamux;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Fuzz.Targets;

/// <summary>
/// A whole yamux session fed with the remote's frames: the read loop, stream routing, windows,
/// pings and GoAway. Every inbound stream is read to its end by a handler. The session must end
/// by itself when the input ends, and every handler with it.
/// </summary>
internal static class YamuxTarget
{
    private static readonly YamuxOptions Options = new() { MaxStreams = 16 };

    public static FuzzTarget Session { get; } = new("yamux", "yamux session (frames from the remote)", Run, Seeds);

    private static void Run(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var dialer = fuzz.Byte() % 2 == 1;
        var chunks = fuzz.Byte();
        var transport = new ScriptedDuplex(fuzz.Rest(), chunks);
        var handlers = new ConcurrentQueue<Task>();
        var session = new YamuxSession(transport, dialer, Options, new FakeTimeProvider(), NullLogger.Instance, new FuzzConnection());
        session.Start(stream =>
        {
            var handler = ReadToEndAsync(stream);
            handlers.Enqueue(handler);
            return handler;
        });
        FuzzTargets.Await(session.Completion);
        FuzzTargets.Await(Task.WhenAll(handlers));
        if (session.StreamCount != 0)
        {
            throw new FuzzOracleException($"{session.StreamCount} streams left after the session closed");
        }
    }

    private static async Task ReadToEndAsync(YamuxStream stream)
    {
        var buffer = new byte[512];
        try
        {
            while (await stream.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset by the remote or by the session's end: what a handler sees.
        }

        await stream.DisposeAsync().ConfigureAwait(false);
    }

    private static IEnumerable<byte[]> Seeds()
    {
        static byte[] Frame(YamuxFrameType type, YamuxFlags flags, uint id, uint length, byte[]? payload = null)
        {
            var header = new byte[YamuxHeader.Size];
            new YamuxHeader(type, flags, id, length).Write(header);
            return [.. header, .. payload ?? []];
        }

        yield return [0, 0, .. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0), .. Frame(YamuxFrameType.Data, YamuxFlags.None, 1, 3, [1, 2, 3]),
            .. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, 1, 0)];
        yield return [0, 1, .. Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 7), .. Frame(YamuxFrameType.Data, YamuxFlags.Syn, 3, 2, [9, 9]),
            .. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, 3, 0), .. Frame(YamuxFrameType.GoAway, YamuxFlags.None, 0, 0)];
        yield return [1, 2, .. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 2, 1024), .. Frame(YamuxFrameType.Data, YamuxFlags.Fin, 2, 1, [5]),
            .. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, 1, 4096)];
    }

    /// <summary>The connection a session reports to; the session only reads its id.</summary>
    private sealed class FuzzConnection : ILibp2pConnection
    {
        public long Id => 0;

        public PeerId RemotePeer => throw new NotSupportedException();

        public Multiaddr RemoteAddress => throw new NotSupportedException();

        public Multiaddr LocalAddress => throw new NotSupportedException();

        public Direction Direction => Direction.Inbound;

        public bool IsClosed => false;

        public Task<string> Closed => Task.FromResult("fuzz");

        public IdentifyInfo? RemoteIdentify => null;

        public Task<OpenStreamResult> OpenStreamAsync(IReadOnlyList<string> protocolIds, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task CloseAsync() => Task.CompletedTask;
    }
}
