using Decentral.Simulator.Engine;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Simulator.Tests.Engine;

public class EventQueueTests
{
    // Times spread over several wheel sizes (wheel of 2^6 ticks) so the overflow heap and
    // migration into the wheel take part, with many ties.
    [Property(MaxTest = 300)]
    public Property Events_RunInTimeThenInsertionOrder(int[] rawTimes, int[] cancelMask)
    {
        var sim = new Simulation(new SimulationOptions { WheelBits = 6 });
        var handler = new RecordingHandler();
        var expected = new List<(long Time, long Arg)>();
        var handles = new List<EventHandle>();
        for (int i = 0; i < rawTimes.Length; i++)
        {
            long time = Math.Abs((long)rawTimes[i]) % 500;
            handles.Add(sim.ScheduleAt(time, handler, null, i));
            expected.Add((time, i));
        }

        var cancelled = new HashSet<long>();
        for (int i = 0; i < cancelMask.Length && i < handles.Count; i++)
        {
            if (cancelMask[i] % 3 == 0 && sim.Cancel(handles[i]))
            {
                cancelled.Add(i);
            }
        }

        sim.Run();
        var want = expected.Where(e => !cancelled.Contains(e.Arg)).OrderBy(e => e.Time).ThenBy(e => e.Arg).ToList();
        return handler.Fired.SequenceEqual(want).Label($"fired {string.Join(",", handler.Fired)}");
    }

    [Property(MaxTest = 200)]
    public Property EventsScheduledWhileRunning_KeepOrder(PositiveInt[] delays)
    {
        // Each event schedules the next one relative to its own time; times must be non-decreasing
        // and every event must run exactly once.
        var sim = new Simulation(new SimulationOptions { WheelBits = 6 });
        var fired = new List<long>();
        int index = 0;
        void Next()
        {
            fired.Add(sim.Now);
            if (index < delays.Length)
            {
                long d = delays[index++].Get % 300;
                sim.ScheduleAfter(d, Next);
                sim.ScheduleAfter(d, () => fired.Add(-sim.Now));
            }
        }

        sim.ScheduleAt(0, Next);
        sim.Run();
        var positives = fired.Where(t => t >= 0).ToList();
        bool ordered = positives.Zip(positives.Skip(1)).All(p => p.First <= p.Second);
        return (ordered && positives.Count == delays.Length + 1 && fired.Count == (2 * delays.Length) + 1).ToProperty();
    }

    [Fact]
    public void Cancel_PendingEvent_DoesNotRunAndStaleHandleIsRejected()
    {
        var sim = new Simulation();
        var handler = new RecordingHandler();
        var a = sim.ScheduleAt(10, handler, null, 1);
        var b = sim.ScheduleAt(20, handler, null, 2);
        Assert.True(sim.Cancel(a));
        Assert.False(sim.Cancel(a));
        Assert.False(sim.IsPending(a));
        Assert.True(sim.IsPending(b));
        Assert.Equal(1, sim.PendingEvents);
        sim.Run();
        Assert.Equal([(20L, 2L)], handler.Fired);
        // The slot of `a` is reused by the next event; the old handle must not cancel it.
        var c = sim.ScheduleAt(30, handler, null, 3);
        Assert.False(sim.Cancel(a));
        Assert.False(sim.Cancel(b));
        Assert.True(sim.IsPending(c));
        Assert.False(sim.Cancel(default));
    }

    [Fact]
    public void ScheduleAt_InThePast_Throws()
    {
        var sim = new Simulation();
        sim.RunUntil(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAt(99, () => { }));
    }

    [Fact]
    public void RunUntil_RunsDueEventsAndMovesClockToLimit()
    {
        var sim = new Simulation(new SimulationOptions { WheelBits = 6 });
        var handler = new RecordingHandler();
        sim.ScheduleAt(5, handler, null, 1);
        sim.ScheduleAt(1_000, handler, null, 2);
        sim.ScheduleAt(1_001, handler, null, 3);
        Assert.Equal(RunOutcome.TimeReached, sim.RunUntil(1_000));
        Assert.Equal(1_000, sim.Now);
        Assert.Equal([(5L, 1L), (1_000L, 2L)], handler.Fired);
        Assert.Equal(2, sim.EventsProcessed);
        Assert.Equal(RunOutcome.QueueEmpty, sim.Run());
        Assert.Equal(3, sim.EventsProcessed);
    }

    [Fact]
    public void RunWhile_StopsWhenKeepGoingTurnsFalse()
    {
        var sim = new Simulation();
        int count = 0;
        for (int i = 0; i < 10; i++)
        {
            sim.ScheduleAt(i * 7, () => count++);
        }

        Assert.Equal(RunOutcome.ConditionMet, sim.RunWhile(() => count < 4));
        Assert.Equal(4, count);
        Assert.Equal(21, sim.Now);
    }

    [Fact]
    public void Stop_FromHandler_ReturnsStopped()
    {
        var sim = new Simulation();
        sim.ScheduleAt(1, sim.Stop);
        sim.ScheduleAt(2, () => { });
        Assert.Equal(RunOutcome.Stopped, sim.Run());
        Assert.Equal(1, sim.PendingEvents);
    }

    [Fact]
    public void FarFutureEvents_GoThroughOverflowAndStillTieBreakBySequence()
    {
        var sim = new Simulation(new SimulationOptions { WheelBits = 6 });
        var handler = new RecordingHandler();
        sim.ScheduleAt(10_000, handler, null, 1);
        sim.ScheduleAt(9_990, () => sim.ScheduleAt(10_000, handler, null, 2));
        sim.ScheduleAt(10_000, handler, null, 3);
        sim.Run();
        Assert.Equal([(10_000L, 1L), (10_000L, 3L), (10_000L, 2L)], handler.Fired);
    }
}
