using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Node.Runtime.Transport;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests;

/// <summary>
/// A message that does not decode is refused with its reason (the sender is told) and counted on
/// the node's meter, per reason: a stranger's libp2p host sends bytes to a running node over
/// loopback on the message protocol.
/// </summary>
[Trait("Category", "Network")]
public sealed class RejectionMetricsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(new byte[] { 0xC1 }, "malformed")]
    [InlineData(new byte[] { 0x93, 0x09, 0x01, 0x00 }, "unsupported_version")]
    public async Task UndecodableMessage_OnTheMessageProtocol_RefusedWithItsReasonAndCountedByReason(byte[] body, string reason)
    {
        await using var cluster = await TestCluster.StartAsync(2, sampleSize: 2, output);
        var node = cluster.Nodes[0];
        var counted = new ConcurrentQueue<(string? Path, string? Reason, long Value)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == node.Meter && instrument.Name == NodeMetrics.MessagesRejected)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? path = null, why = null;
            foreach (var tag in tags)
            {
                path = tag.Key == "path" ? tag.Value as string : path;
                why = tag.Key == "reason" ? tag.Value as string : why;
            }

            counted.Enqueue((path, why, value));
        });
        listener.Start();

        using var identity = PeerIdentity.FromSeed(Enumerable.Repeat((byte)77, 32).ToArray());
        await using var stranger = new Libp2pHost(identity, new Libp2pHostOptions(), TimeProvider.System);
        using var transfer = new ModelTransferService(stranger, new ModelTransferOptions(), TimeProvider.System);
        using var timeout = new CancellationTokenSource(Bound);
        Assert.True((await stranger.DialAsync(node.Addresses[0], timeout.Token)).IsConnected);

        var header = new RequestHeader("test", RequestKind.Message, []).Encode();
        using var response = new MemoryStream();
        var result = await transfer.RequestAsync(node.PeerId, header, new MemoryStream(body), body.Length, response, timeout.Token);

        Assert.Equal(TransferStatus.Refused, result.Status);
        var told = System.Text.Encoding.UTF8.GetString(response.ToArray());
        Assert.StartsWith("message rejected: ", told, StringComparison.Ordinal);
        Assert.Equal([("message", reason, 1L)], counted.ToArray());
    }
}
