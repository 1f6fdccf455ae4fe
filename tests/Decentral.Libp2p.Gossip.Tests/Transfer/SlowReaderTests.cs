using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Yamux;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Transfer;

/// <summary>
/// A peer asks for a 16 MB model and reads it one byte per (fake) second: the sender pulls at
/// most a yamux window and a chunk of the model into memory, and the exchange ends at the
/// transfer timeout with its reason logged and counted. Time is a FakeTimeProvider: no sleeping.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class SlowReaderTests
{
    private const int ModelBytes = 16 * 1024 * 1024;

    [Fact]
    public async Task SlowReader_OneBytePerSecond_SenderMemoryBoundedAndTransferTimesOutWithReason()
    {
        var time = new FakeTimeProvider();
        var options = new ModelTransferOptions { Timeout = TimeSpan.FromSeconds(30) };
        var logs = new FakeLogCollector();
        using var logging = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        using var serverId = RouterNet.Identity(90);
        using var clientId = RouterNet.Identity(91);
        await using var server = new Libp2pHost(serverId, new Libp2pHostOptions(), TimeProvider.System);
        await using var client = new Libp2pHost(clientId, new Libp2pHostOptions(), TimeProvider.System);
        using var transfer = new ModelTransferService(server, options, time, logging.CreateLogger<ModelTransferService>());
        using var results = new MetricCollector<long>(transfer.Meter, ModelTransferService.TransfersMetric);
        var model = new CountingSource(ModelBytes);
        transfer.Serve((_, _, _) => ValueTask.FromResult(new ModelResponse(TransferStatus.Ok, model, ModelBytes)));
        var listen = await server.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        Assert.True((await client.DialAsync(listen.Address!.WithPeerId(server.PeerId))).IsConnected);

        var opened = await client.OpenStreamAsync(server.PeerId, [ModelTransferProtocol.ProtocolId]);
        Assert.True(opened.IsOpened, opened.Reason);
        await using var stream = opened.Stream;
        await stream.WriteAsync((byte[])[5, .. "model"u8.ToArray(), 0]);
        var one = new byte[1];
        for (var second = 0; second < 30; second++)
        {
            Assert.Equal(1, await stream.ReadAsync(one).AsTask().WaitAsync(LoopbackPeer.Timeout));

            // The sender can never have pulled more than our window plus one chunk from the model
            // (the first byte, the status, may arrive before it pulled any).
            Assert.InRange(model.Pulled, 0, new YamuxOptions().MaxStreamWindow + (2L * options.ChunkBytes));
            Assert.Empty(results.GetMeasurementSnapshot());
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await results.WaitForMeasurementsAsync(1, LoopbackPeer.Timeout);
        var result = Assert.Single(results.GetMeasurementSnapshot());
        Assert.Equal("timed_out", result.Tags["status"]);
        Assert.Contains(logs.GetSnapshot(), r => r.Message.Contains("no complete exchange within 00:00:30", StringComparison.Ordinal));

        // The sender reset the stream: what we had buffered is dropped and the next reads fail.
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            var rest = new byte[4 * 1024 * 1024];
            while (await stream.ReadAsync(rest).AsTask().WaitAsync(LoopbackPeer.Timeout) > 0)
            {
            }
        });
        Assert.True(model.Pulled < ModelBytes / 8, $"the sender read {model.Pulled} bytes of the model");
    }

    /// <summary>A model body that is generated as it is read, counting how far the sender pulled it.</summary>
    private sealed class CountingSource(long length) : Stream
    {
        private long _read;

        public long Pulled => Interlocked.Read(ref _read);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => Pulled;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Pulled);
            buffer.AsSpan(offset, n).Fill(7);
            Interlocked.Add(ref _read, n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
