using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Transfer;

[Trait("Category", "Loopback")]
public sealed class TransferLimitsTests
{
    [Fact]
    public async Task InboundTransfers_OverPerPeerLimit_RefusedAtOnceAndCounted()
    {
        await using var server = await LoopbackPeer.StartAsync(30, transfer: new ModelTransferOptions { MaxConcurrentInboundPerPeer = 1 });
        await using var client = await LoopbackPeer.StartAsync(31);
        using var counted = new MetricCollector<long>(server.Transfer.Meter, ModelTransferService.TransfersMetric);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Transfer.Serve(async (_, _, ct) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(ct);
            return new ModelResponse(TransferStatus.Ok, new MemoryStream([1]), 1);
        });
        await client.DialAsync(server);

        var first = client.Transfer.RequestAsync(server.PeerId, "a"u8.ToArray(), null, 0, Stream.Null);
        await entered.Task.WaitAsync(LoopbackPeer.Timeout);
        var second = await client.Transfer.RequestAsync(server.PeerId, "b"u8.ToArray(), null, 0, Stream.Null).WaitAsync(LoopbackPeer.Timeout);

        Assert.False(second.Ok);
        await counted.WaitForMeasurementsAsync(1, LoopbackPeer.Timeout);
        Assert.Equal("refused_busy", counted.LastMeasurement!.Tags["status"]);
        release.SetResult();
        Assert.True((await first.WaitAsync(LoopbackPeer.Timeout)).Ok);
    }
}
