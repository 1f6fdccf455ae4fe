using Decentral.Codecs;
using Decentral.Learning;
using Decentral.Membership;

namespace Decentral.Protocol;

/// <summary>Wire discriminator of a protocol message; values are part of the wire format.</summary>
public enum MessageKind : byte
{
    /// <summary>Liveness probe.</summary>
    Ping = 1,

    /// <summary>Answer to a ping.</summary>
    Pong = 2,

    /// <summary>Trainer to aggregator: a locally trained model.</summary>
    TrainedModel = 3,

    /// <summary>Aggregator to the next sample: the averaged model.</summary>
    AggregatedModel = 4,

    /// <summary>Aggregator to contributors: the round was (or was not) aggregated.</summary>
    Ack = 5,

    /// <summary>JOIN or LEAVE advertisement.</summary>
    Advert = 6,

    /// <summary>Ask a peer for its full view (after a digest mismatch).</summary>
    ViewRequest = 7,

    /// <summary>A full view, answering a request.</summary>
    ViewSnapshot = 8,

    /// <summary>Aggregator to trainer: send me the model your delta is based on.</summary>
    BaseRequest = 9,

    /// <summary>Trainer to aggregator: the base model asked for, or none.</summary>
    BaseReply = 10,
}

/// <summary>
/// A MoDeST protocol message. Immutable; may be shared between receivers. A message decoded by
/// <c>WireCodec</c> may hold pooled model buffers (<see cref="EncodedModel.IsPooled"/>): handing
/// it to <c>IProtocolNode.Receive</c> gives them to the node, which releases them; a driver that
/// drops a decoded message instead calls <see cref="Release"/>.
/// </summary>
public abstract record ProtocolMessage
{
    /// <summary>The wire discriminator.</summary>
    public abstract MessageKind Kind { get; }

    /// <summary>Gives back the pooled buffers of the model this message carries, if any (idempotent).</summary>
    public virtual void Release()
    {
    }
}

/// <summary>
/// View information piggybacked on model messages: only records that changed since the receiver
/// last heard from the sender, plus the sender's membership digest so the receiver can tell when
/// it is missing something (then it asks for a full view).
/// </summary>
/// <param name="Records">Changed records (or all records when <paramref name="IsFull"/>).</param>
/// <param name="MembershipDigest">Order-independent digest of (peer, index, status) over the sender's view.</param>
/// <param name="IsFull">True when <paramref name="Records"/> is the sender's whole view.</param>
public sealed record ViewUpdate(IReadOnlyList<PeerRecord> Records, ulong MembershipDigest, bool IsFull)
{
    /// <summary>An update with no records.</summary>
    public static ViewUpdate Empty(ulong digest) => new([], digest, false);
}

/// <summary>Liveness probe; carries the sender's round estimate and membership index.</summary>
public sealed record Ping(long Nonce, long RoundEstimate, long MembershipIndex) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.Ping;
}

/// <summary>
/// Answer to <see cref="Ping"/> with the same nonce. Also tells an aggregator's trainer check
/// whether a live peer's model is coming: <paramref name="TrainEstimate"/> is the latest round
/// whose aggregate the responder received (the round it trains or trained last), so a peer that
/// never got the round shows; <paramref name="SentElsewhere"/> is the round of the latest model
/// the responder sent as a trainer when the pinger is none of the aggregators it went to (0 when
/// it went to the pinger too, or none went out yet), so a trainer that sent the round to other
/// aggregators (its view picked others) shows.
/// </summary>
public sealed record Pong(long Nonce, long RoundEstimate, long MembershipIndex, long TrainEstimate, long SentElsewhere) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.Pong;
}

/// <summary>
/// A model trained in round <c>Round - 1</c>, sent to an aggregator of <paramref name="Round"/>:
/// a whole model, or (with a codec other than plain fp32) the delta from the aggregate it was
/// trained from.
/// </summary>
public sealed record TrainedModel(long Round, EncodedModel Model, int SampleCount, ViewUpdate View) : ProtocolMessage
{
    /// <summary>A whole float32 model (wrapped, not copied).</summary>
    public TrainedModel(long round, ModelVector model, int sampleCount, ViewUpdate view)
        : this(round, EncodedModel.Whole(model), sampleCount, view)
    {
    }

    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.TrainedModel;

    /// <inheritdoc />
    public override void Release() => Model.Release();
}

/// <summary>The aggregate of round <paramref name="Round"/>, sent to the sample that trains it; always a whole model.</summary>
public sealed record AggregatedModel(long Round, EncodedModel Model, ViewUpdate View) : ProtocolMessage
{
    /// <summary>A whole float32 model (wrapped, not copied).</summary>
    public AggregatedModel(long round, ModelVector model, ViewUpdate view)
        : this(round, EncodedModel.Whole(model), view)
    {
    }

    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.AggregatedModel;

    /// <inheritdoc />
    public override void Release() => Model.Release();
}

/// <summary>
/// An aggregator holds a trained delta whose base it does not have: it asks the delta's sender
/// for that base (the aggregate of <paramref name="Round"/> with hash <paramref name="Hash"/>).
/// </summary>
public sealed record BaseRequest(long Round, ModelHash Hash) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.BaseRequest;
}

/// <summary>
/// Answer to <see cref="BaseRequest"/>: the base as the trainer received it (a whole model), or
/// null when the trainer no longer holds it. The aggregator checks its hash before using it.
/// </summary>
public sealed record BaseReply(long Round, ModelHash Hash, EncodedModel? Model) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.BaseReply;

    /// <inheritdoc />
    public override void Release() => Model?.Release();
}

/// <summary>Aggregator's answer to contributors of <paramref name="Round"/>.</summary>
public sealed record Ack(long Round, bool Success) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.Ack;
}

/// <summary>A JOIN or LEAVE advertisement of the sender's own record.</summary>
public sealed record Advert(PeerRecord Record) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.Advert;
}

/// <summary>Asks for the full view; the sender's digest lets the receiver skip the answer when equal.</summary>
public sealed record ViewRequest(ulong MembershipDigest) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.ViewRequest;
}

/// <summary>A full view, answering <see cref="ViewRequest"/>.</summary>
public sealed record ViewSnapshot(ViewUpdate View) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.ViewSnapshot;
}
