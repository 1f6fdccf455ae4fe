using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Simulator.Tests.Network;

public class BandwidthPropertyTests
{
    // Random transfers between 4 nodes with random caps and random crashes: bandwidth in use
    // never exceeds a cap, every accepted message ends exactly once, and nothing arrives faster
    // than its bytes can cross the slower end plus the latency.
    [Property(MaxTest = 100)]
    public Property Transfers_RespectCapsAndEndExactlyOnce(int seed)
    {
        const int nodes = 4;
        var random = new Random(seed);
        var sim = new Simulation();
        var net = new SimNetwork(sim, new ConstantLatencyModel(TimeSpan.FromMilliseconds(5)), new NetworkOptions { NodeCount = nodes, BandwidthThresholdBytes = 1 });
        var caps = new double[nodes];
        for (int n = 0; n < nodes; n++)
        {
            caps[n] = 100_000 * (1 + random.Next(10));
            net.SetBandwidth(n, caps[n], caps[n]);
        }

        var log = new RecordingMessageHandler(sim);
        int accepted = 0;
        var violations = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            long at = random.NextInt64(SimTime.FromSeconds(5));
            int from = random.Next(nodes), to = random.Next(nodes);
            long bytes = random.Next(1, 500_000);
            sim.ScheduleAt(at, () => accepted += net.Send(from, to, bytes, 0, null, log) == SendStatus.Accepted ? 1 : 0);
        }

        int victim = random.Next(nodes);
        sim.ScheduleAt(random.NextInt64(SimTime.FromSeconds(5)), () => net.SetOnline(victim, false));
        while (sim.Step())
        {
            for (int n = 0; n < nodes; n++)
            {
                if (net.UploadInUse(n) > caps[n] * (1 + 1e-9) || net.DownloadInUse(n) > caps[n] * (1 + 1e-9))
                {
                    violations.Add($"node {n} over cap at {sim.Now}");
                }
            }
        }

        foreach (var (time, m) in log.Delivered)
        {
            double fastest = m.Bytes / Math.Min(caps[m.From], caps[m.To]);
            if (time - m.SentAt < SimTime.FromSeconds(fastest) + SimTime.FromMilliseconds(5) - 1)
            {
                violations.Add($"message {m.Id} too fast");
            }
        }

        var ended = log.Delivered.Select(d => d.Message.Id).Concat(log.Failed.Select(f => f.Message.Id)).ToList();
        bool exactlyOnce = ended.Count == accepted && ended.Distinct().Count() == accepted;
        return (violations.Count == 0 && exactlyOnce && net.MessagesInFlight == 0)
            .Label($"{string.Join("; ", violations)} ended {ended.Count} accepted {accepted}");
    }
}
