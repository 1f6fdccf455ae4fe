using Decentral.Protocol;
using Decentral.Telemetry;

namespace Decentral.Node.Runtime.State;

/// <summary>
/// Measures where a node's time in each round goes, for the <see cref="RoundTimings"/> of its
/// telemetry rows, from what the driver sees of the core: the events it hands it (with the time
/// a message arrived), the effects the core asks for while handling them (a collection's
/// aggregation timer set at its first model and cancelled when it ends, a training started) and
/// the observations it makes (trained model sent, aggregate sent). A phase that ends with a send
/// ends when the core hands the first copy of the model to the transport (the observation comes
/// after all copies are queued, and a loaded machine may pause the loop in between, while the
/// first copy is already on its way). A model that the core sends to its own node never passes
/// through the driver: a trained model of its own arrives when the core says it sent it, an
/// aggregate of its own when the training it starts is asked for. Loop thread only; every stamp
/// comes from the node's
/// <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RoundClock(TimeProvider time)
{
    // Rounds older than this behind the newest one are forgotten (cancelled, dropped, overtaken).
    private const int RoundsKept = 64;
    private readonly Dictionary<long, Collecting> _collecting = [];
    private readonly Dictionary<long, Training> _training = [];
    private long _event;
    private long _eventStart;
    private long _eventSendAggregate;
    private long _eventSendTrained;
    private long _eventArrival;
    private long _eventOwnModel;
    private MessageKind? _eventMessage;

    /// <summary>The loop starts handling an event; <paramref name="message"/> and <paramref name="arrivedAt"/> for an arrived message.</summary>
    public void BeginEvent(MessageKind? message = null, long arrivedAt = 0)
    {
        _event++;
        _eventStart = time.GetTimestamp();
        _eventSendAggregate = 0;
        _eventSendTrained = 0;
        _eventOwnModel = 0;
        _eventMessage = message;
        _eventArrival = message is null ? _eventStart : arrivedAt;
    }

    /// <summary>The loop finished the event begun last: phases waiting for its end take it.</summary>
    public void EndEvent()
    {
        var now = time.GetTimestamp();
        foreach (var c in _collecting.Values)
        {
            if (c.EndedInEvent == _event)
            {
                c.EventEnd = now;
            }
        }

        foreach (var t in _training.Values)
        {
            if (t.FinishedInEvent == _event)
            {
                t.EventEnd = now;
            }
        }
    }

    /// <summary>The core hands an aggregate (or a trained model) to the transport in the current event (the first copy counts).</summary>
    public void ModelSending(bool aggregate)
    {
        ref var stamp = ref aggregate ? ref _eventSendAggregate : ref _eventSendTrained;
        if (stamp == 0)
        {
            stamp = time.GetTimestamp();
        }
    }

    /// <summary>How long ago the current event's first send of an aggregate (or a trained model) began; zero when it sent none.</summary>
    public TimeSpan SinceSend(bool aggregate)
    {
        var stamp = aggregate ? _eventSendAggregate : _eventSendTrained;
        return stamp == 0 ? TimeSpan.Zero : time.GetElapsedTime(stamp);
    }

    /// <summary>The core began collecting the trained models of <paramref name="round"/> (its first model is in).</summary>
    public void CollectionStarted(long round)
    {
        _collecting[round] = new Collecting(Trigger);
        Prune(_collecting, round);
    }

    /// <summary>The core stopped collecting <paramref name="round"/>: it aggregated (or dropped) the models.</summary>
    public void CollectionEnded(long round)
    {
        if (_collecting.TryGetValue(round, out var c))
        {
            c.Completed = Trigger;
            c.EndedInEvent = _event;
        }
    }

    /// <summary>The core sent the aggregate of <paramref name="round"/>: its phases, null when its collection was not seen.</summary>
    public RoundTimings? AggregateSent(long round)
    {
        if (!_collecting.Remove(round, out var c) || c.EndedInEvent == 0)
        {
            return null;
        }

        var now = SendStamp(_eventSendAggregate);
        var ready = c.EndedInEvent == _event ? now : c.EventEnd;
        return new RoundTimings
        {
            WaitSeconds = Seconds(c.First, c.Completed),
            AggregateSeconds = Seconds(c.Completed, ready),
            SearchSeconds = Seconds(ready, now),
        };
    }

    /// <summary>The core asked for the training of <paramref name="round"/>.</summary>
    public void TrainingStarted(long round)
    {
        // An aggregate from another node waited since it arrived; one from this node (or the
        // initial model) is handed over now.
        var from = _eventMessage == MessageKind.AggregatedModel ? _eventArrival : time.GetTimestamp();
        _training[round] = new Training(from);
        Prune(_training, round);
    }

    /// <summary>The training of <paramref name="round"/> ran on the training thread from <paramref name="startedAt"/> to <paramref name="finishedAt"/>; the core now encodes it.</summary>
    public void TrainingFinished(long round, long startedAt, long finishedAt)
    {
        if (_training.TryGetValue(round, out var t))
        {
            t.WorkerStart = startedAt;
            t.WorkerEnd = finishedAt;
            t.FinishedInEvent = _event;
        }
    }

    /// <summary>The core sent the model trained for round <paramref name="tag"/> (trained from the aggregate of tag - 1): its phases, once.</summary>
    public RoundTimings? TrainedModelSent(long tag)
    {
        // The copy for this node itself, if any, reaches its aggregator role right after this.
        _eventOwnModel = time.GetTimestamp();
        if (!_training.Remove(tag - 1, out var t) || t.FinishedInEvent == 0)
        {
            return null;
        }

        var now = SendStamp(_eventSendTrained);
        var ready = t.FinishedInEvent == _event ? now : t.EventEnd;
        return new RoundTimings
        {
            QueueSeconds = Seconds(t.Arrived, t.WorkerStart),
            TrainSeconds = Seconds(t.WorkerStart, t.WorkerEnd),
            EncodeSeconds = Seconds(t.WorkerEnd, ready),
            SearchSeconds = Seconds(ready, now),
        };
    }

    // When the model that moves a collection arrived: an arrived message's arrival, this node's
    // own trained model's hand-over, or (a timer) the event's start.
    private long Trigger => _eventMessage is not null ? _eventArrival : _eventOwnModel != 0 ? _eventOwnModel : _eventStart;

    private long SendStamp(long send) => send != 0 ? send : time.GetTimestamp();

    private double Seconds(long from, long to) => to <= from ? 0 : time.GetElapsedTime(from, to).TotalSeconds;

    private static void Prune<T>(Dictionary<long, T> rounds, long newest)
    {
        if (rounds.Count <= RoundsKept)
        {
            return;
        }

        foreach (var old in rounds.Keys.Where(r => r < newest - RoundsKept).ToList())
        {
            rounds.Remove(old);
        }
    }

    private sealed class Collecting(long first)
    {
        public long First { get; } = first;

        public long Completed { get; set; }

        public long EndedInEvent { get; set; }

        public long EventEnd { get; set; }
    }

    private sealed class Training(long arrived)
    {
        public long Arrived { get; } = arrived;

        public long WorkerStart { get; set; }

        public long WorkerEnd { get; set; }

        public long FinishedInEvent { get; set; }

        public long EventEnd { get; set; }
    }
}
