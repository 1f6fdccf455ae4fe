using System.Security.Cryptography;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;

namespace Decentral.Libp2p.Gossip.Tests.Transfer;

[Trait("Category", "Loopback")]
public sealed class ModelTransferLoopbackTests
{
    private const int Size = 16 * 1024 * 1024;

    private static byte[] Model(int seed, int size = Size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Request_16MbResponse_ArrivesHashIdentical()
    {
        await using var server = await LoopbackPeer.StartAsync(10);
        await using var client = await LoopbackPeer.StartAsync(11);
        var model = Model(1);
        server.Transfer.Serve((peer, request, ct) =>
            ValueTask.FromResult(request.Header.Span.SequenceEqual("model/7"u8)
                ? new ModelResponse(TransferStatus.Ok, new MemoryStream(model, writable: false), model.Length)
                : ModelResponse.Empty(TransferStatus.NotFound)));
        await client.DialAsync(server);
        using var sink = new HashingSink();

        var result = await client.Transfer.RequestAsync(server.PeerId, "model/7"u8.ToArray(), null, 0, sink);

        Assert.True(result.Ok, result.Reason);
        Assert.Equal(Size, result.BodyBytes);
        Assert.Equal(SHA256.HashData(model), sink.Hash());

        var missing = await client.Transfer.RequestAsync(server.PeerId, "model/8"u8.ToArray(), null, 0, Stream.Null);
        Assert.Equal(TransferStatus.NotFound, missing.Status);
    }

    [Fact]
    public async Task Push_16MbRequestBody_ServerHashesStreamWithoutBuffering()
    {
        await using var server = await LoopbackPeer.StartAsync(12);
        await using var client = await LoopbackPeer.StartAsync(13);
        server.Transfer.Serve(async (peer, request, ct) =>
        {
            using var sink = new HashingSink();
            await request.Body.CopyToAsync(sink, ct);
            var hash = sink.Hash();
            return new ModelResponse(TransferStatus.Ok, new MemoryStream(hash), hash.Length);
        });
        await client.DialAsync(server);
        var model = Model(2);
        using var answer = new MemoryStream();

        var result = await client.Transfer.RequestAsync(server.PeerId, "push"u8.ToArray(), new MemoryStream(model), model.Length, answer);

        Assert.True(result.Ok, result.Reason);
        Assert.Equal(SHA256.HashData(model), answer.ToArray());
    }

    [Fact]
    public async Task Request_ResponseOverClientLimit_TooLargeAndConnectionStillUsable()
    {
        await using var server = await LoopbackPeer.StartAsync(14);
        await using var client = await LoopbackPeer.StartAsync(15, transfer: new ModelTransferOptions { MaxBodyBytes = 1024 * 1024 });
        var big = Model(3, 2 * 1024 * 1024);
        server.Transfer.Serve((peer, request, ct) => ValueTask.FromResult(request.Header.Length == 0
            ? new ModelResponse(TransferStatus.Ok, new MemoryStream(big), big.Length)
            : new ModelResponse(TransferStatus.Ok, new MemoryStream([1, 2, 3]), 3)));
        await client.DialAsync(server);

        var tooLarge = await client.Transfer.RequestAsync(server.PeerId, Array.Empty<byte>(), null, 0, Stream.Null);
        Assert.Equal(TransferStatus.TooLarge, tooLarge.Status);

        using var small = new MemoryStream();
        var ok = await client.Transfer.RequestAsync(server.PeerId, "small"u8.ToArray(), null, 0, small);
        Assert.True(ok.Ok, ok.Reason);
        Assert.Equal(new byte[] { 1, 2, 3 }, small.ToArray());
    }

    [Fact]
    public async Task Request_CancelledMidTransfer_ThrowsAndNextRequestWorks()
    {
        await using var server = await LoopbackPeer.StartAsync(16);
        await using var client = await LoopbackPeer.StartAsync(17);
        var model = Model(4);
        server.Transfer.Serve((peer, request, ct) => ValueTask.FromResult(new ModelResponse(TransferStatus.Ok, new MemoryStream(model), model.Length)));
        await client.DialAsync(server);
        using var cts = new CancellationTokenSource();
        using var sink = new HashingSink { OnWrite = total => { if (total >= 1024 * 1024) { cts.Cancel(); } } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.Transfer.RequestAsync(server.PeerId, "x"u8.ToArray(), null, 0, sink, cts.Token));
        Assert.True(sink.Length < Size);

        using var again = new HashingSink();
        var result = await client.Transfer.RequestAsync(server.PeerId, "x"u8.ToArray(), null, 0, again);
        Assert.True(result.Ok, result.Reason);
        Assert.Equal(SHA256.HashData(model), again.Hash());
    }
}
