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
}

/// <summary>A MoDeST protocol message. Immutable; may be shared between receivers.</summary>
public abstract record ProtocolMessage
{
    /// <summary>The wire discriminator.</summary>
    public abstract MessageKind Kind { get; }
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

/// <summary>Answer to <see cref="Ping"/> with the same nonce.</summary>
public sealed record Pong(long Nonce, long RoundEstimate, long MembershipIndex) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.Pong;
}

/// <summary>A model trained in round <c>Round - 1</c>, sent to an aggregator of <paramref name="Round"/>.</summary>
public sealed record TrainedModel(long Round, ModelVector Model, int SampleCount, ViewUpdate View) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.TrainedModel;
}

/// <summary>The aggregate of round <paramref name="Round"/>, sent to the sample that trains it.</summary>
public sealed record AggregatedModel(long Round, ModelVector Model, ViewUpdate View) : ProtocolMessage
{
    /// <inheritdoc />
    public override MessageKind Kind => MessageKind.AggregatedModel;
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
