using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Transfer;

public sealed class ModelTransferProtocolTests
{
    private static readonly ModelTransferOptions Options = new() { MaxBodyBytes = 1000, MaxHeaderBytes = 16 };

    /// <summary>A stream whose reads come from a script and whose writes are recorded.</summary>
    private sealed class ScriptedStream(byte[] incoming) : Stream
    {
        private readonly MemoryStream _in = new(incoming);

        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private static Task<TransferResult> Request(byte[] response, Stream sink) =>
        ModelTransferProtocol.RequestAsync(new ScriptedStream(response), "h"u8.ToArray(), null, 0, sink, Options, new FakeTimeProvider(), CancellationToken.None);

    [Fact]
    public async Task RequestAsync_WritesHeaderAndBodyPrefixes()
    {
        var stream = new ScriptedStream([0, 2, 7, 8]);
        using var sink = new MemoryStream();

        var result = await ModelTransferProtocol.RequestAsync(stream, "hi"u8.ToArray(), new MemoryStream([5, 6, 7]), 3, sink, Options, new FakeTimeProvider(), CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Equal(new byte[] { 2, (byte)'h', (byte)'i', 3, 5, 6, 7 }, stream.Written.ToArray());
        Assert.Equal(new byte[] { 7, 8 }, sink.ToArray());
    }

    [Fact]
    public async Task RequestAsync_TruncatedResponseBody_ProtocolError()
    {
        var result = await Request([0, 10, 1, 2, 3], Stream.Null);

        Assert.Equal(TransferStatus.ProtocolError, result.Status);
    }

    [Fact]
    public async Task RequestAsync_AnnouncedLengthOverLimit_TooLargeWithoutReadingBody()
    {
        using var sink = new HashingSink();

        var result = await Request([0, 0xE9, 0x07, 1, 2, 3], sink); // 1001 bytes announced

        Assert.Equal(TransferStatus.TooLarge, result.Status);
        Assert.Equal(0, sink.Length);
    }

    [Fact]
    public async Task RequestAsync_UnknownStatusByte_ProtocolError()
    {
        Assert.Equal(TransferStatus.ProtocolError, (await Request([42, 0], Stream.Null)).Status);
    }

    [Fact]
    public async Task ServeAsync_HeaderOverLimit_AnswersTooLargeWithoutCallingHandler()
    {
        var stream = new ScriptedStream([17, .. new byte[17], 0]);
        var called = false;

        var result = await ModelTransferProtocol.ServeAsync(stream, RouterNet.Identity(1).PeerId, (_, _, _) =>
        {
            called = true;
            return ValueTask.FromResult(ModelResponse.Empty(TransferStatus.Ok));
        }, Options, new FakeTimeProvider(), CancellationToken.None);

        Assert.Equal(TransferStatus.TooLarge, result.Status);
        Assert.False(called);
        Assert.Equal(new byte[] { (byte)TransferStatus.TooLarge, 0 }, stream.Written.ToArray());
    }

    [Fact]
    public async Task ServeAsync_HandlerLeavesBodyUnread_DrainsAndResponds()
    {
        var stream = new ScriptedStream([1, (byte)'q', 4, 9, 9, 9, 9]);

        var result = await ModelTransferProtocol.ServeAsync(stream, RouterNet.Identity(1).PeerId,
            (_, request, _) => ValueTask.FromResult(new ModelResponse(TransferStatus.Ok, new MemoryStream([1]), 1)),
            Options, new FakeTimeProvider(), CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Equal(new byte[] { 0, 1, 1 }, stream.Written.ToArray());
    }
}
