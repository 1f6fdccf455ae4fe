namespace Decentral.Libp2p.Gossip.Wire;

/// <summary>A gossipsub message id: opaque bytes compared by content.</summary>
public readonly struct MessageId : IEquatable<MessageId>
{
    private readonly byte[]? _bytes;

    /// <summary>Wraps <paramref name="bytes"/> (not copied; treat as immutable).</summary>
    public MessageId(byte[] bytes) => _bytes = bytes;

    /// <summary>The id bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes ?? [];

    /// <inheritdoc />
    public bool Equals(MessageId other) => Bytes.Span.SequenceEqual(other.Bytes.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MessageId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes.Span);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => Convert.ToHexString(Bytes.Span);

    /// <summary>Equality by content.</summary>
    public static bool operator ==(MessageId left, MessageId right) => left.Equals(right);

    /// <summary>Inequality by content.</summary>
    public static bool operator !=(MessageId left, MessageId right) => !left.Equals(right);
}

/// <summary>SubOpts: a peer announcing it joined (<paramref name="Subscribe"/>) or left a topic.</summary>
public sealed record SubscriptionChange(bool Subscribe, string Topic);

/// <summary>
/// A pubsub Message as on the wire. With StrictSign every field but <see cref="Key"/> is
/// required; the codec enforces shape (seqno is 8 bytes), the router enforces the signature.
/// </summary>
/// <param name="From">Raw peer-id bytes of the author.</param>
/// <param name="Data">Application payload.</param>
/// <param name="Seqno">8-byte big-endian sequence number, unique per author.</param>
/// <param name="Topic">The topic it was published to.</param>
/// <param name="Signature">Ed25519 signature (StrictSign), or empty.</param>
/// <param name="Key">The author's PublicKey protobuf, or empty.</param>
public sealed record PubSubMessage(byte[] From, byte[] Data, byte[] Seqno, string Topic, byte[] Signature, byte[] Key);

/// <summary>IHAVE: message ids a peer holds in its cache for a topic.</summary>
public sealed record ControlIHave(string Topic, IReadOnlyList<MessageId> MessageIds);

/// <summary>IWANT: message ids a peer asks to be sent.</summary>
public sealed record ControlIWant(IReadOnlyList<MessageId> MessageIds);

/// <summary>GRAFT: the sender added the receiver to its mesh for a topic.</summary>
public sealed record ControlGraft(string Topic);

/// <summary>A peer offered for peer exchange in a PRUNE.</summary>
public sealed record PeerExchangeInfo(byte[] PeerId, byte[] SignedPeerRecord);

/// <summary>PRUNE: the sender removed the receiver from its mesh; re-graft only after the backoff.</summary>
public sealed record ControlPrune(string Topic, IReadOnlyList<PeerExchangeInfo> Peers, ulong? BackoffSeconds);

/// <summary>The control part of an RPC. Empty lists mean "none".</summary>
public sealed record ControlMessage(
    IReadOnlyList<ControlIHave> IHave,
    IReadOnlyList<ControlIWant> IWant,
    IReadOnlyList<ControlGraft> Graft,
    IReadOnlyList<ControlPrune> Prune,
    IReadOnlyList<MessageId> IDontWant)
{
    /// <summary>A control message with nothing in it.</summary>
    public static ControlMessage Empty { get; } = new([], [], [], [], []);

    /// <summary>True when no control entry is present.</summary>
    public bool IsEmpty => IHave.Count == 0 && IWant.Count == 0 && Graft.Count == 0 && Prune.Count == 0 && IDontWant.Count == 0;
}

/// <summary>One pubsub RPC: subscriptions, published messages and control, any of them empty.</summary>
public sealed record Rpc(IReadOnlyList<SubscriptionChange> Subscriptions, IReadOnlyList<PubSubMessage> Messages, ControlMessage Control)
{
    /// <summary>True when the RPC carries nothing.</summary>
    public bool IsEmpty => Subscriptions.Count == 0 && Messages.Count == 0 && Control.IsEmpty;
}
