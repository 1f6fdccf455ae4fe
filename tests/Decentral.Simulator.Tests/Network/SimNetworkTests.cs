using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;

namespace Decentral.Simulator.Tests.Network;

public class SimNetworkTests
{
    private static readonly long TenMs = SimTime.FromMilliseconds(10);

    private static (Simulation Sim, SimNetwork Net, RecordingMessageHandler Log) Create(int nodes, double loss = 0, int seed = 1)
    {
        var sim = new Simulation();
        var net = new SimNetwork(sim, new ConstantLatencyModel(TimeSpan.FromMilliseconds(10)), new NetworkOptions { NodeCount = nodes, LossProbability = loss, Seed = seed });
        return (sim, net, new RecordingMessageHandler(sim));
    }

    [Fact]
    public void Send_SmallMessage_ArrivesAfterOneWayLatencyAndIsCounted()
    {
        var (sim, net, log) = Create(2);
        var payload = new object();
        Assert.Equal(SendStatus.Accepted, net.Send(0, 1, 100, 3, payload, log));
        Assert.Equal(1, net.MessagesInFlight);
        sim.Run();
        var (time, message) = Assert.Single(log.Delivered);
        Assert.Equal(TenMs, time);
        Assert.Same(payload, message.Payload);
        Assert.Equal(100, net.Counters.BytesSent(3));
        Assert.Equal(100, net.Counters.BytesDelivered(3));
        Assert.Equal(100, net.Counters.NodeBytesSent(0));
        Assert.Equal(100, net.Counters.NodeBytesReceived(1));
        Assert.Equal(0, net.MessagesInFlight);
    }

    [Fact]
    public void Transfers_ShareSenderUpload_AndFreedBandwidthSpeedsUpTheOther()
    {
        var (sim, net, log) = Create(3);
        net.SetBandwidth(0, 1_000_000, double.PositiveInfinity);
        net.SetBandwidth(1, double.PositiveInfinity, 800_000);
        net.SetBandwidth(2, double.PositiveInfinity, 800_000);
        net.Send(0, 1, 800_000, 0, null, log);
        net.Send(0, 2, 800_000, 0, null, log);
        // First gets min(1 MB/s free upload, 800 kB/s download); second gets the 200 kB/s left.
        Assert.Equal(1_000_000, net.UploadInUse(0), 3);
        Assert.Equal(200_000, net.DownloadInUse(2), 3);
        sim.Run();
        Assert.Equal(2, log.Delivered.Count);
        Assert.Equal(SimTime.FromSeconds(1) + TenMs, log.Delivered[0].Time);
        // After 1 s the second has 600 kB left and is raised to 800 kB/s: 0.75 s more.
        Assert.Equal(SimTime.FromSeconds(1.75) + TenMs, log.Delivered[1].Time);
        Assert.Equal(0, net.UploadInUse(0));
    }

    [Fact]
    public void Transfer_WithNoFreeBandwidth_WaitsForTheFirstToFinish()
    {
        var (sim, net, log) = Create(3);
        net.SetBandwidth(2, double.PositiveInfinity, 1_000_000);
        net.Send(0, 2, 500_000, 0, null, log);
        net.Send(1, 2, 500_000, 0, null, log);
        sim.Run();
        Assert.Equal([SimTime.FromSeconds(0.5) + TenMs, SimTime.FromSeconds(1) + TenMs], log.Delivered.Select(d => d.Time));
    }

    [Fact]
    public void GoingOffline_KillsTransfers_ReportsLossAndFreesBandwidth()
    {
        var (sim, net, log) = Create(3);
        net.SetBandwidth(0, 1_000_000, double.PositiveInfinity);
        net.Send(0, 1, 1_000_000, 0, null, log);
        net.Send(0, 2, 1_000_000, 0, null, log);
        sim.RunUntil(SimTime.FromSeconds(0.5));
        net.SetOnline(1, false);
        sim.Run();
        var (failTime, failed, reason) = Assert.Single(log.Failed);
        Assert.Equal(DeliveryFailure.TransferKilled, reason);
        Assert.Equal(1, failed.To);
        Assert.Equal(SimTime.FromSeconds(0.5), failTime);
        Assert.Equal(500_000, net.Counters.BytesUnsentInKilledTransfers);
        Assert.Equal(1, net.Counters.Failures(DeliveryFailure.TransferKilled));
        // The second transfer was stalled (0 free upload) and takes over the whole upload at 0.5 s.
        Assert.Equal(SimTime.FromSeconds(1.5) + TenMs, Assert.Single(log.Delivered).Time);
    }

    [Fact]
    public void Send_ToOfflineReceiver_FailsAfterRoundTrip_FromOfflineSender_IsRejected()
    {
        var (sim, net, log) = Create(2);
        net.SetOnline(1, false);
        Assert.Equal(SendStatus.Accepted, net.Send(0, 1, 10, 0, null, log));
        Assert.Equal(SendStatus.SenderOffline, net.Send(1, 0, 10, 0, null, log));
        sim.Run();
        var failure = Assert.Single(log.Failed);
        Assert.Equal((2 * TenMs, DeliveryFailure.ReceiverOffline), (failure.Time, failure.Failure));
        Assert.Equal(10, net.Counters.TotalBytesSent);
    }

    [Fact]
    public void ReceiverGoingOfflineInFlight_DropsMessage()
    {
        var (sim, net, log) = Create(2);
        net.Send(0, 1, 10, 0, null, log);
        sim.RunUntil(TenMs / 2);
        net.SetOnline(1, false);
        sim.Run();
        Assert.Equal(DeliveryFailure.ReceiverOffline, Assert.Single(log.Failed).Failure);
    }

    [Fact]
    public void Partition_DropsCrossGroupMessagesUntilHealed()
    {
        var (sim, net, log) = Create(4);
        net.SetGroup(2, 1);
        net.SetGroup(3, 1);
        net.Send(0, 1, 10, 0, "same", log);
        net.Send(0, 2, 10, 0, "across", log);
        sim.Run();
        Assert.Equal("same", Assert.Single(log.Delivered).Message.Payload);
        Assert.Equal((DeliveryFailure.Partitioned, "across"), (log.Failed[0].Failure, log.Failed[0].Message.Payload));
        net.HealPartitions();
        net.Send(0, 2, 10, 0, "healed", log);
        // A message sent before a partition starts is dropped if the partition is there on arrival.
        net.Send(0, 3, 10, 0, "cut", log);
        net.SetGroup(3, 5);
        sim.Run();
        Assert.Equal("healed", log.Delivered[1].Message.Payload);
        Assert.Equal("cut", log.Failed[1].Message.Payload);
    }

    [Fact]
    public void Loss_DropsAboutTheConfiguredFraction_Reproducibly()
    {
        List<long> LostIds(int seed)
        {
            var (sim, net, log) = Create(2, loss: 0.3, seed: seed);
            for (int i = 0; i < 10_000; i++)
            {
                net.Send(0, 1, 10, 0, null, log);
            }

            sim.Run();
            Assert.Equal(10_000, log.Delivered.Count + log.Failed.Count);
            Assert.All(log.Failed, f => Assert.Equal(DeliveryFailure.Lost, f.Failure));
            return log.Failed.Select(f => f.Message.Id).ToList();
        }

        var first = LostIds(7);
        Assert.InRange(first.Count, 2_800, 3_200);
        Assert.Equal(first, LostIds(7));
        Assert.NotEqual(first, LostIds(8));
    }

    [Fact]
    public void RandomWorkload_SameSeed_SameDeliveryLog()
    {
        string Run(int seed)
        {
            var sim = new Simulation();
            var latency = new SiteLatencyModel(SiteLatencyMatrix.Synthetic(20, seed), seed);
            var net = new SimNetwork(sim, latency, new NetworkOptions { NodeCount = 50, LossProbability = 0.05, Seed = seed, DefaultUploadBytesPerSecond = 1e6, DefaultDownloadBytesPerSecond = 2e6 });
            var log = new RecordingMessageHandler(sim);
            var random = new Random(seed);
            for (int i = 0; i < 500; i++)
            {
                long at = random.NextInt64(0, SimTime.FromSeconds(10));
                int from = random.Next(50), to = random.Next(50), size = random.Next(10, 2_000_000);
                sim.ScheduleAt(at, () => net.Send(from, to, size, size % 4, null, log));
            }

            sim.ScheduleAt(SimTime.FromSeconds(3), () => net.SetOnline(7, false));
            sim.Run();
            return string.Join(";", log.Delivered.Select(d => $"{d.Time}:{d.Message.Id}")) + "|" + string.Join(";", log.Failed.Select(f => $"{f.Time}:{f.Message.Id}:{f.Failure}"));
        }

        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }
}
