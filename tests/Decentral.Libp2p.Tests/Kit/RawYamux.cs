using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Yamux;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>The remote end of a yamux session, driven frame by frame by a test.</summary>
internal sealed class RawYamux(Stream stream)
{
    public async Task SendAsync(YamuxFrameType type, YamuxFlags flags, uint streamId, uint length, byte[]? payload = null)
    {
        var frame = new byte[YamuxHeader.Size + (payload?.Length ?? 0)];
        new YamuxHeader(type, flags, streamId, length).Write(frame);
        payload?.CopyTo(frame, YamuxHeader.Size);
        await stream.WriteAsync(frame);
    }

    public Task SendRawAsync(byte[] bytes) => stream.WriteAsync(bytes).AsTask();

    /// <summary>The next frame, or null at end of stream.</summary>
    public async Task<(YamuxHeader Header, byte[] Payload)?> ReadAsync()
    {
        var header = new byte[YamuxHeader.Size];
        if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false).AsTask().Within() < header.Length)
        {
            return null;
        }

        Assert.True(YamuxHeader.TryRead(header, out var parsed, out _));
        var payload = new byte[parsed.Type == YamuxFrameType.Data ? parsed.Length : 0];
        await stream.ReadExactlyAsync(payload).AsTask().Within();
        return (parsed, payload);
    }

    /// <summary>Reads frames until one matches (bounded by the frame reads' timeouts).</summary>
    public async Task<(YamuxHeader Header, byte[] Payload)> ReadUntilAsync(Func<YamuxHeader, bool> match)
    {
        while (true)
        {
            var frame = await ReadAsync() ?? throw new Xunit.Sdk.XunitException("stream ended before the expected frame");
            if (match(frame.Header))
            {
                return frame;
            }
        }
    }
}

/// <summary>A connection stand-in for sessions tested without a host.</summary>
internal sealed class FakeConnection : ILibp2pConnection
{
    private static readonly PeerId Peer = PeerId.Parse("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");

    public long Id => 0;

    public PeerId RemotePeer => Peer;

    public Multiaddr RemoteAddress { get; } = Multiaddr.Parse("/ip4/127.0.0.1/tcp/1");

    public Multiaddr LocalAddress { get; } = Multiaddr.Parse("/ip4/127.0.0.1/tcp/2");

    public Direction Direction => Direction.Inbound;

    public bool IsClosed => false;

    public Task<string> Closed { get; } = new TaskCompletionSource<string>().Task;

    public IdentifyInfo? RemoteIdentify => null;

    public Task<OpenStreamResult> OpenStreamAsync(IReadOnlyList<string> protocolIds, CancellationToken cancellationToken = default) =>
        Task.FromResult(new OpenStreamResult(OpenStreamStatus.NotConnected, null, "fake connection"));

    public Task CloseAsync() => Task.CompletedTask;
}
