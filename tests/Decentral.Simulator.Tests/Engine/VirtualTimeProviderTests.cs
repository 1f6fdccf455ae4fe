using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Tests.Engine;

public class VirtualTimeProviderTests
{
    [Fact]
    public void GetUtcNow_IsEpochPlusSimulatedTime()
    {
        var sim = new Simulation();
        var time = new VirtualTimeProvider(sim);
        sim.RunUntil(SimTime.FromSeconds(90.5));
        Assert.Equal(VirtualTimeProvider.DefaultEpoch.AddSeconds(90.5), time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(90.5), time.GetElapsedTime(0));
    }

    [Fact]
    public void CreateTimer_OneShotAndPeriodic_FireAtVirtualTimes()
    {
        var sim = new Simulation();
        var time = new VirtualTimeProvider(sim);
        var oneShot = new List<long>();
        var periodic = new List<long>();
        using var a = time.CreateTimer(_ => oneShot.Add(sim.Now), null, TimeSpan.FromMilliseconds(1500), Timeout.InfiniteTimeSpan);
        using var b = time.CreateTimer(_ => periodic.Add(sim.Now), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        sim.RunUntil(SimTime.FromSeconds(6));
        Assert.Equal([1_500_000L], oneShot);
        Assert.Equal([1_000_000L, 3_000_000L, 5_000_000L], periodic);
    }

    [Fact]
    public void Timer_ChangeAndDispose_CancelPendingFiring()
    {
        var sim = new Simulation();
        var time = new VirtualTimeProvider(sim);
        var fired = new List<long>();
        var timer = time.CreateTimer(_ => fired.Add(sim.Now), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        sim.RunUntil(SimTime.FromSeconds(0.5));
        Assert.True(timer.Change(TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan));
        sim.RunUntil(SimTime.FromSeconds(2.4));
        Assert.Empty(fired);
        sim.RunUntil(SimTime.FromSeconds(2.5));
        Assert.Equal([2_500_000L], fired);
        timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Dispose();
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        sim.Run();
        Assert.Single(fired);
    }

    [Fact]
    public void CancellationTokenSource_OnVirtualTime_CancelsWhenSimulationReachesDueTime()
    {
        // CancellationTokenSource(delay, provider) arms a timer through CreateTimer, as do the
        // BCL's timeouts and delays: they all follow the simulation clock.
        var sim = new Simulation();
        var time = new VirtualTimeProvider(sim);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        sim.RunUntil(SimTime.FromSeconds(29));
        Assert.False(cts.IsCancellationRequested);
        sim.RunUntil(SimTime.FromSeconds(30));
        Assert.True(cts.IsCancellationRequested);
    }
}
