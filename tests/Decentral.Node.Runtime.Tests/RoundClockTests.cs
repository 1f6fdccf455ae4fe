using Decentral.Node.Runtime.State;
using Decentral.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Node.Runtime.Tests;

/// <summary>The round clock's phases, on a fake clock: what the loop reports, in the order a node sees it.</summary>
public sealed class RoundClockTests
{
    private readonly FakeTimeProvider _time = new();

    private void Wait(double milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    private static void AssertSeconds(double expectedMilliseconds, double? actual) =>
        Assert.Equal(expectedMilliseconds / 1000, actual!.Value, precision: 9);

    [Fact]
    public void TrainedModelSent_AfterTheAggregatorSearch_PhasesAddUpToTheSpanSinceArrival()
    {
        var clock = new RoundClock(_time);
        var arrived = _time.GetTimestamp();
        Wait(2);
        clock.BeginEvent(MessageKind.AggregatedModel, arrived);
        clock.TrainingStarted(4);
        clock.EndEvent();
        Wait(1);
        var workerStart = _time.GetTimestamp();
        Wait(100);
        var workerEnd = _time.GetTimestamp();
        Wait(2);
        clock.BeginEvent();
        clock.TrainingFinished(4, workerStart, workerEnd);
        Wait(1);
        clock.EndEvent();
        Wait(20);
        clock.BeginEvent(MessageKind.Pong, _time.GetTimestamp());

        var timings = clock.TrainedModelSent(5);

        Assert.NotNull(timings);
        AssertSeconds(3, timings.QueueSeconds);
        AssertSeconds(100, timings.TrainSeconds);
        AssertSeconds(3, timings.EncodeSeconds);
        AssertSeconds(20, timings.SearchSeconds);
        Assert.Null(timings.WaitSeconds);
        Assert.Null(clock.TrainedModelSent(5));
    }

    [Fact]
    public void TrainedModelSent_InTheEventThatFinishedTraining_HasNoSearchWait()
    {
        var clock = new RoundClock(_time);
        clock.BeginEvent();
        clock.TrainingStarted(1);
        var workerStart = _time.GetTimestamp();
        clock.EndEvent();
        Wait(40);
        var workerEnd = _time.GetTimestamp();
        Wait(5);
        clock.BeginEvent();
        clock.TrainingFinished(1, workerStart, workerEnd);
        Wait(2);

        var timings = clock.TrainedModelSent(2);

        Assert.NotNull(timings);
        AssertSeconds(0, timings.QueueSeconds);
        AssertSeconds(40, timings.TrainSeconds);
        AssertSeconds(7, timings.EncodeSeconds);
        AssertSeconds(0, timings.SearchSeconds);
    }

    [Fact]
    public void AggregateSent_InTheCompletingEvent_WaitRunsFromFirstToLastArrival()
    {
        var clock = new RoundClock(_time);
        var first = _time.GetTimestamp();
        Wait(1);
        clock.BeginEvent(MessageKind.TrainedModel, first);
        clock.CollectionStarted(7);
        clock.EndEvent();
        Wait(49);
        var last = _time.GetTimestamp();
        Wait(2);
        clock.BeginEvent(MessageKind.TrainedModel, last);
        Wait(3);
        clock.CollectionEnded(7);
        Wait(1);

        var timings = clock.AggregateSent(7);

        Assert.NotNull(timings);
        AssertSeconds(50, timings.WaitSeconds);
        AssertSeconds(6, timings.AggregateSeconds);
        AssertSeconds(0, timings.SearchSeconds);
        Assert.Null(timings.TrainSeconds);
        Assert.Null(clock.AggregateSent(7));
    }

    [Fact]
    public void AggregateSent_AfterTheSampleSearch_SearchRunsFromTheAggregatingEventsEnd()
    {
        var clock = new RoundClock(_time);

        // The first model is this node's own: it arrives when the core says it sent it; the
        // round is completed by the aggregation timeout.
        clock.BeginEvent();
        Wait(3);
        Assert.Null(clock.TrainedModelSent(3));
        clock.CollectionStarted(3);
        clock.EndEvent();
        Wait(10);
        clock.BeginEvent();
        clock.CollectionEnded(3);
        Wait(4);
        clock.EndEvent();
        Wait(1500);
        clock.BeginEvent(MessageKind.Pong, _time.GetTimestamp());

        var timings = clock.AggregateSent(3);

        Assert.NotNull(timings);
        AssertSeconds(10, timings.WaitSeconds);
        AssertSeconds(4, timings.AggregateSeconds);
        AssertSeconds(1500, timings.SearchSeconds);
    }

    [Fact]
    public void AggregateSent_LoopPausedAfterTheFirstCopy_PhasesEndAtTheFirstCopysSend()
    {
        var clock = new RoundClock(_time);
        var first = _time.GetTimestamp();
        clock.BeginEvent(MessageKind.TrainedModel, first);
        clock.CollectionStarted(4);
        clock.CollectionEnded(4);
        Wait(2);
        clock.ModelSending(aggregate: true);
        Wait(30);
        clock.ModelSending(aggregate: true);

        var timings = clock.AggregateSent(4);

        Assert.NotNull(timings);
        AssertSeconds(2, timings.AggregateSeconds);
        Assert.Equal(TimeSpan.FromMilliseconds(30), clock.SinceSend(aggregate: true));
        Assert.Equal(TimeSpan.Zero, clock.SinceSend(aggregate: false));
    }

    [Fact]
    public void AggregateSent_CollectionNotSeenOrNotEnded_IsNull()
    {
        var clock = new RoundClock(_time);
        clock.BeginEvent(MessageKind.TrainedModel, _time.GetTimestamp());
        clock.CollectionStarted(2);
        clock.EndEvent();

        Assert.Null(clock.AggregateSent(9));
        Assert.Null(clock.AggregateSent(2));
        Assert.Null(clock.TrainedModelSent(3));
    }
}
