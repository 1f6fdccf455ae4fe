using Decentral.Aggregation;
using Decentral.Identity;
using Decentral.Learning;

namespace Decentral.Protocol;

/// <summary>What a protocol timer is for.</summary>
public enum TimerKind : byte
{
    /// <summary>Resend pings of a liveness search.</summary>
    PingResend = 1,

    /// <summary>An aggregation waits no longer for trained models.</summary>
    AggregationTimeout = 3,

    /// <summary>Retry a failed model send.</summary>
    SendRetry = 4,

    /// <summary>A trainer waited too long for the aggregator's Ack.</summary>
    AckTimeout = 5,

    /// <summary>A baseline's synchronous round waits no longer for its neighbours' models.</summary>
    RoundTimeout = 6,

    /// <summary>A Gossip Learning node pushes its model to a random peer.</summary>
    GossipPeriod = 7,

    /// <summary>A trainer waits no longer for the other aggregates of a round (<see cref="RobustnessOptions.AggregateDefence"/>).</summary>
    AggregateWait = 8,

    /// <summary>A MoDeST node checks whether its round estimate moved (<see cref="ModestOptions.ViewCheckInterval"/>).</summary>
    ViewCheck = 9,

    /// <summary>An aggregator checks whether the trainers it still waits for are alive (<see cref="ModestOptions.TrainerCheckInterval"/>).</summary>
    TrainerCheck = 10,

    /// <summary>A trainer checks whether the aggregators whose Ack it still waits for are alive (<see cref="ModestOptions.AggregatorCheckInterval"/>).</summary>
    AggregatorCheck = 11,
}

/// <summary>Identifies one timer of a node; setting an existing key replaces it.</summary>
/// <param name="Kind">What the timer is for.</param>
/// <param name="Id">Which instance (a liveness search id, a round, ...).</param>
public readonly record struct TimerKey(TimerKind Kind, long Id);

/// <summary>
/// The effects a protocol node asks its driver to carry out. The node calls these synchronously
/// while handling an event and never waits for them; results come back as new events
/// (<c>Receive</c>, <c>TimerFired</c>, <c>TrainingCompleted</c>, <c>SendFailed</c>).
/// The node driver (real network) and the simulator each implement it.
/// </summary>
public interface IProtocolEffects
{
    /// <summary>Send <paramref name="message"/> to <paramref name="to"/>; a failure comes back as <c>SendFailed</c>.</summary>
    void Send(PeerId to, ProtocolMessage message);

    /// <summary>Train <paramref name="start"/> for round <paramref name="round"/>; completion comes back as <c>TrainingCompleted</c>.</summary>
    void StartTraining(long round, ModelVector start);

    /// <summary>Abandon the training of <paramref name="round"/> if it still runs (its completion may still arrive and is ignored).</summary>
    void CancelTraining(long round);

    /// <summary>Fire <c>TimerFired(key)</c> after <paramref name="delay"/>; replaces a pending timer with the same key.</summary>
    void SetTimer(TimerKey key, TimeSpan delay);

    /// <summary>Cancel the timer with this key, if pending.</summary>
    void CancelTimer(TimerKey key);

    /// <summary>Telemetry: something observable happened (never affects protocol behaviour).</summary>
    void Observe(ProtocolObservation observation);

    /// <summary>
    /// True when the driver releases every message it is given by <see cref="Send"/> once it is done
    /// with it (serialized it, and handed it back through <c>SendFailed</c> if it failed), and keeps
    /// no reference after that. The node then encodes its models into pooled bodies, giving each
    /// sent message a view of its own (<c>EncodedModel.Share</c>). False (the default) for drivers
    /// that keep or share the messages they are given, as the simulator and tests do.
    /// </summary>
    bool ReleasesSentModels => false;
}

/// <summary>Kinds of protocol observation for telemetry.</summary>
public enum ObservationKind : byte
{
    /// <summary>This node started training round <c>Round</c> from <c>Model</c>.</summary>
    TrainingStarted = 1,

    /// <summary>This node finished training and sent to aggregators.</summary>
    TrainingSent = 2,

    /// <summary>This node aggregated round <c>Round</c> from <c>Count</c> models and sent it on.</summary>
    Aggregated = 3,

    /// <summary>This node dropped the aggregation of <c>Round</c> (too few models at timeout).</summary>
    AggregationDropped = 4,

    /// <summary>A liveness search ran out of candidates before reaching its count.</summary>
    SampleShort = 5,

    /// <summary>A received message was ignored as stale or duplicate.</summary>
    StaleIgnored = 6,

    /// <summary>A trainer failed over to the next aggregator.</summary>
    AggregatorFailover = 7,

    /// <summary>The node asked a peer for its full view after a digest mismatch.</summary>
    ViewResync = 8,

    /// <summary>The node refused a model of round <c>Round</c> for <c>Reason</c> (validation or round consistency).</summary>
    ModelRejected = 9,

    /// <summary>A trainer combined <c>Count</c> aggregates of round <c>Round</c> into the model it trains (<see cref="RobustnessOptions.AggregateDefence"/>).</summary>
    AggregatesCombined = 10,

    /// <summary>An aggregator asked a trainer for the base of a delta it does not hold.</summary>
    BaseRequested = 11,

    /// <summary>
    /// A peer of the sample of <c>Round</c> could not train it, and its aggregate went to the next
    /// live peer of the order: an aggregator could not deliver it (the peer left, or every resend
    /// failed), or the peer itself left while training it and handed it on.
    /// </summary>
    TrainerReplaced = 12,

    /// <summary>An aggregator's trainer check of <c>Round</c> found <c>Count</c> expected trainers silent (counted lost).</summary>
    TrainersSilent = 13,

    /// <summary>
    /// A trainer the trainer check of <c>Round</c> pinged answered, but had not received the round
    /// it would train (the previous aggregator, with another view, sent it elsewhere): counted lost.
    /// </summary>
    TrainerNotSampled = 14,

    /// <summary>
    /// A trainer the trainer check of <c>Round</c> pinged answered that it sent its model to other
    /// aggregators only (its view picked others; the pong's SentElsewhere): counted lost.
    /// </summary>
    TrainerSentElsewhere = 15,

    /// <summary>A trainer's aggregator check of <c>Round</c> found an awaited aggregator silent; a failover follows.</summary>
    AggregatorSilent = 16,

    /// <summary>
    /// A trainer's aggregator check of <c>Round</c> found an awaited aggregator live with a higher
    /// membership index than when the model went to it: it restarted and lost the round; a failover follows.
    /// </summary>
    AggregatorRestarted = 17,
}

/// <summary>One telemetry observation.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Round">The round it concerns.</param>
/// <param name="Count">A count whose meaning depends on the kind (models aggregated, peers found, ...).</param>
/// <param name="Model">The model involved, when there is one (the aggregate, for evaluation; the start of a training).</param>
/// <param name="Reason">Why a model was refused (<see cref="ObservationKind.ModelRejected"/> only).</param>
public sealed record ProtocolObservation(ObservationKind Kind, long Round, int Count = 0, ModelVector? Model = null, RejectionReason Reason = RejectionReason.None);
