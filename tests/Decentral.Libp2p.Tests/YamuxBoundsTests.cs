using Decentral.Libp2p.Tests.Kit;
using Decentral.Libp2p.Yamux;

namespace Decentral.Libp2p.Tests;

/// <summary>Receive memory of a yamux session: what tiny frames cost, and the session and host budgets.</summary>
public sealed class YamuxBoundsTests : YamuxFixture
{
    private readonly RecordedStreamEvents _events = new();

    [Fact]
    public async Task TinyFrames_TenThousandOneByteFrames_HoldAboutOneBytePerByte()
    {
        await using var session = Start();
        var stream = await OpenRemoteStreamAsync(1);
        var frames = new List<byte>();
        for (var i = 0; i < 10_000; i++)
        {
            var header = new byte[YamuxHeader.Size];
            new YamuxHeader(YamuxFrameType.Data, YamuxFlags.None, 1, 1).Write(header);
            frames.AddRange([.. header, (byte)i]);
        }

        await Pair.Client.WriteAsync(frames.ToArray());
        await SyncAsync();

        // One pooled array per frame would hold 160 KB; packed into 4 KiB segments it is 12 KiB.
        Assert.Equal(10_000, stream.Buffered);
        Assert.InRange(stream.BufferedMemory, 10_000, 3 * ReceiveBuffer.SegmentBytes);
        Assert.Equal(stream.BufferedMemory, session.BufferedBytes);
        var read = new byte[10_000];
        await stream.ReadExactlyAsync(read).AsTask().Within();
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (byte)i), read);
        Assert.Equal(0, session.BufferedBytes);
    }

    [Fact]
    public async Task SessionBudget_ThirdFullWindow_ResetsThatStreamOnly()
    {
        await using var session = Start(o => { o.MaxStreamWindow = Window; o.MaxSessionBufferedBytes = 2 * Window; });
        var streams = new List<YamuxStream>();
        for (uint id = 1; id <= 5; id += 2)
        {
            streams.Add(await OpenRemoteStreamAsync(id));
            await FillWindowAsync(id);
        }

        await SyncAsync();

        Assert.Equal(2 * Window, streams[0].Buffered + streams[1].Buffered);
        await Assert.ThrowsAsync<IOException>(() => streams[2].ReadAsync(new byte[1]).AsTask().Within());
        Assert.Equal(["session_buffer_limit"], _events.Resets);
        Assert.InRange(session.BufferedBytes, 2 * Window, 2 * Window);
        Assert.False(session.IsClosed);

        // Draining a stream frees its budget: the remote may fill it again.
        await streams[0].ReadExactlyAsync(new byte[Window]).AsTask().Within();
        Assert.Equal(Window, session.BufferedBytes);
    }

    [Fact]
    public async Task HostBudget_SharedBySessions_ResetsTheStreamThatPassesIt()
    {
        var host = new BufferBudget(Window, BudgetVerdict.Host);
        await using var session = Start(o => o.MaxStreamWindow = Window, host);
        var first = await OpenRemoteStreamAsync(1);
        await FillWindowAsync(1);
        var second = await OpenRemoteStreamAsync(3);
        await FillWindowAsync(3);
        await SyncAsync();

        Assert.Equal(Window, first.Buffered);
        await Assert.ThrowsAsync<IOException>(() => second.ReadAsync(new byte[1]).AsTask().Within());
        Assert.Equal(["host_buffer_limit"], _events.Resets);
        Assert.Equal(Window, host.Used);
    }

    [Fact]
    public async Task Host_StreamsParkedInNegotiation_OverLimitAreResetAndCounted()
    {
        await using var host = await TestHost.StartAsync(1, o => o.MaxNegotiatingStreams = 2);
        await using var peer = await TestHost.StartAsync(2);
        using var refused = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(host.Host.Meter, Decentral.Libp2p.Host.Libp2pMetrics.StreamsRefused);
        var dial = await peer.Host.DialAsync(host.Address, Bounded.Token());
        Assert.True(dial.IsConnected, dial.Reason);
        var session = ((Decentral.Libp2p.Host.Libp2pConnection)dial.Connection).Session;

        // Raw yamux streams that never speak multistream-select: each parks in the host's negotiation.
        var parked = new List<YamuxStream>();
        for (var i = 0; i < 3; i++)
        {
            var (stream, error) = await session.OpenStreamAsync(Bounded.Token());
            Assert.NotNull(stream);
            parked.Add(stream!);
        }

        await refused.WaitForMeasurementsAsync(1, Bounded.Timeout);
        Assert.Equal("negotiation_limit", refused.LastMeasurement!.Tags["reason"]);


        // The parked streams cost their own connection new inbound streams, nothing else.
        Assert.Equal(Decentral.Libp2p.Host.PingStatus.Ok, (await host.Host.PingAsync(peer.Host.PeerId, Bounded.Token())).Status);
        await using var other = await TestHost.StartAsync(3);
        Assert.True((await other.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        Assert.Equal(Decentral.Libp2p.Host.PingStatus.Ok, (await other.Host.PingAsync(host.Host.PeerId, Bounded.Token())).Status);
    }

    private async Task<YamuxStream> OpenRemoteStreamAsync(uint id)
    {
        await Remote.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, id, 0);
        return await Inbound.Reader.ReadAsync().AsTask().Within();
    }

    private async Task FillWindowAsync(uint id)
    {
        for (var sent = 0; sent < Window; sent += 64 * 1024)
        {
            await Remote.SendAsync(YamuxFrameType.Data, YamuxFlags.None, id, 64 * 1024, new byte[64 * 1024]);
        }
    }

    /// <summary>Frames are handled in order: once our ping is answered, everything before it was.</summary>
    private async Task SyncAsync()
    {
        await Remote.SendAsync(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 0x5151);
        await Remote.ReadUntilAsync(h => h.Type == YamuxFrameType.Ping && h.Length == 0x5151);
    }

    private YamuxSession Start(Action<YamuxOptions>? configure = null, BufferBudget? host = null) => Start(false, configure, host, _events);

    private sealed class RecordedStreamEvents : IStreamEvents
    {
        private readonly List<string> _resets = [];

        public IReadOnlyList<string> Resets
        {
            get
            {
                lock (_resets)
                {
                    return [.. _resets];
                }
            }
        }

        public void StreamRefused(string reason)
        {
        }

        public void StreamReset(string reason)
        {
            lock (_resets)
            {
                _resets.Add(reason);
            }
        }
    }
}
