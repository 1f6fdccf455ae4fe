using Decentral.Simulator.Churn;
using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Tests.Churn;

public class ChurnScheduleTests
{
    private sealed class Recorder(Simulation sim) : IChurnHandler
    {
        public List<(long Time, ChurnEvent Event)> Seen { get; } = [];

        public void OnChurn(in ChurnEvent churnEvent) => Seen.Add((sim.Now, churnEvent));
    }

    [Fact]
    public void CrashBatches_ModestCrashExperiment_FiveEverySixtySecondsUntilEightyGone()
    {
        var schedule = new ChurnSchedule().CrashBatches(TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(60), 5, 80, Enumerable.Range(0, 100).ToArray(), seed: 3);
        var events = schedule.Events;
        Assert.Equal(80, events.Count);
        Assert.All(events, e => Assert.Equal(ChurnKind.Crash, e.Kind));
        Assert.Equal(80, events.Select(e => e.Node).Distinct().Count());
        var times = events.GroupBy(e => e.Time).Select(g => (g.Key, g.Count())).ToList();
        Assert.Equal(16, times.Count);
        Assert.All(times, t => Assert.Equal(5, t.Item2));
        Assert.Equal(SimTime.FromSeconds(300), times[0].Key);
        Assert.Equal(SimTime.FromSeconds(1200), times[^1].Key);
        Assert.Equal(events.Select(e => e.Node), new ChurnSchedule().CrashBatches(TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(60), 5, 80, Enumerable.Range(0, 100).ToArray(), seed: 3).Events.Select(e => e.Node));
    }

    [Fact]
    public void Driver_DeliversEventsAtTheirTimesInOrderAdded()
    {
        var sim = new Simulation();
        var recorder = new Recorder(sim);
        var schedule = new ChurnSchedule()
            .Join(TimeSpan.FromSeconds(60), 90)
            .Leave(TimeSpan.FromSeconds(10), 4)
            .Partition(TimeSpan.FromSeconds(60), [0, 0, 1, 1])
            .Heal(TimeSpan.FromSeconds(120))
            .Crash(TimeSpan.FromSeconds(10), 5);
        ChurnDriver.Start(sim, schedule, recorder);
        sim.Run();
        Assert.Equal(
            [(10_000_000L, ChurnKind.Leave, 4), (10_000_000L, ChurnKind.Crash, 5), (60_000_000L, ChurnKind.Join, 90), (60_000_000L, ChurnKind.Partition, -1), (120_000_000L, ChurnKind.Heal, -1)],
            recorder.Seen.Select(s => (s.Time, s.Event.Kind, s.Event.Node)));
        Assert.Equal([0, 0, 1, 1], recorder.Seen[3].Event.Groups!);
    }

    [Fact]
    public void JoinEvery_OneNodePerInterval()
    {
        var events = new ChurnSchedule().JoinEvery(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), Enumerable.Range(90, 10).ToArray()).Events;
        Assert.Equal(Enumerable.Range(1, 10).Select(i => SimTime.FromSeconds(60 * i)), events.Select(e => e.Time));
        Assert.Equal(Enumerable.Range(90, 10), events.Select(e => e.Node));
    }

    [Fact]
    public void PoissonArrivals_MeanRateMatchesAndSeedReproduces()
    {
        var a = ChurnGenerators.PoissonArrivals(2.0, TimeSpan.Zero, TimeSpan.FromSeconds(5_000), seed: 11);
        Assert.InRange(a.Count, 9_600, 10_400);
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First <= p.Second));
        Assert.Equal(a, ChurnGenerators.PoissonArrivals(2.0, TimeSpan.Zero, TimeSpan.FromSeconds(5_000), seed: 11));
        Assert.NotEqual(a, ChurnGenerators.PoissonArrivals(2.0, TimeSpan.Zero, TimeSpan.FromSeconds(5_000), seed: 12));
    }

    [Fact]
    public void Weibull_SampleMedianMatchesTheory()
    {
        // Median of Weibull(k, scale) is scale * ln(2)^(1/k).
        var dist = SessionDistribution.Weibull(0.38, TimeSpan.FromMinutes(42.4));
        var random = new Random(5);
        var samples = Enumerable.Range(0, 20_000).Select(_ => SimTime.ToSeconds(dist.Sample(random))).Order().ToArray();
        double expected = 42.4 * 60 * Math.Pow(Math.Log(2), 1 / 0.38);
        Assert.InRange(samples[samples.Length / 2], expected * 0.93, expected * 1.07);
    }

    [Fact]
    public void LogNormal_SampleMedianIsExpMu()
    {
        var dist = SessionDistribution.LogNormal(Math.Log(600), 1.4);
        var random = new Random(6);
        var samples = Enumerable.Range(0, 20_000).Select(_ => SimTime.ToSeconds(dist.Sample(random))).Order().ToArray();
        Assert.InRange(samples[samples.Length / 2], 600 * 0.94, 600 * 1.06);
    }

    [Fact]
    public void Sessions_AlternateOfflineAndJoinPerNode_Reproducibly()
    {
        ChurnSchedule Make(int seed) => ChurnGenerators.Sessions(
            Enumerable.Range(0, 50).ToArray(),
            SessionDistribution.Weibull(0.5, TimeSpan.FromMinutes(30)),
            SessionDistribution.Exponential(TimeSpan.FromMinutes(10)),
            TimeSpan.FromHours(10),
            gracefulFraction: 0.5,
            seed);
        var events = Make(1).Events;
        Assert.True(events.Count > 100);
        foreach (var perNode in events.GroupBy(e => e.Node))
        {
            var kinds = perNode.Select(e => e.Kind).ToList();
            for (int i = 0; i < kinds.Count; i++)
            {
                Assert.Equal(i % 2 == 1, kinds[i] == ChurnKind.Join);
            }
        }

        Assert.Contains(events, e => e.Kind == ChurnKind.Leave);
        Assert.Contains(events, e => e.Kind == ChurnKind.Crash);
        Assert.Equal(events, Make(1).Events);
        Assert.NotEqual(events, Make(2).Events);
    }
}
