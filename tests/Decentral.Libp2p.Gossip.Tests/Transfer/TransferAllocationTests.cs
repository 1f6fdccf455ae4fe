using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;

namespace Decentral.Libp2p.Gossip.Tests.Transfer;

/// <summary>Tests that read process-wide counters run alone, so other tests cannot disturb them.</summary>
[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

[Collection(nameof(SerialCollection))]
[Trait("Category", "Loopback")]
public sealed class TransferAllocationTests
{
    private const int Size = 16 * 1024 * 1024;

    [Fact]
    public async Task Request_16MbResponse_AllocatesLessThanOneModelCopy()
    {
        await using var server = await LoopbackPeer.StartAsync(18);
        await using var client = await LoopbackPeer.StartAsync(19);
        var model = new byte[Size];
        new Random(5).NextBytes(model);
        server.Transfer.Serve((peer, request, ct) => ValueTask.FromResult(new ModelResponse(TransferStatus.Ok, new MemoryStream(model, writable: false), model.Length)));
        await client.DialAsync(server);
        using var warmup = new HashingSink();
        Assert.True((await client.Transfer.RequestAsync(server.PeerId, "w"u8.ToArray(), null, 0, warmup)).Ok);

        // Both ends run in this process, so this counts the sender's and the receiver's buffers:
        // streaming through pooled chunks must stay below a quarter of one copy of the model.
        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var sink = new HashingSink();
        var result = await client.Transfer.RequestAsync(server.PeerId, "m"u8.ToArray(), null, 0, sink);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(result.Ok, result.Reason);
        Assert.True(allocated < Size / 4, $"allocated {allocated} bytes for a {Size}-byte transfer");
    }
}
