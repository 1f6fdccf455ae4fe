namespace Decentral.Libp2p.Gossip.Router;

/// <summary>
/// GossipSub v1.1 parameters. Defaults are the spec's (and js-libp2p's) defaults. Call
/// <see cref="Validate"/>; the router refuses invalid options.
/// </summary>
public sealed record GossipOptions
{
    /// <summary>Desired mesh degree D (default 6).</summary>
    public int D { get; init; } = 6;

    /// <summary>Lower bound D_lo: below it the heartbeat grafts (default 4).</summary>
    public int DLow { get; init; } = 4;

    /// <summary>Upper bound D_hi: above it the heartbeat prunes down to D (default 12).</summary>
    public int DHigh { get; init; } = 12;

    /// <summary>Minimum number of peers to gossip IHAVE to per topic (default 6).</summary>
    public int DLazy { get; init; } = 6;

    /// <summary>Outbound peers a mesh keeps when pruning (v1.1 D_out, default 2).</summary>
    public int DOut { get; init; } = 2;

    /// <summary>Fraction of non-mesh peers to gossip to when that exceeds D_lazy (default 0.25).</summary>
    public double GossipFactor { get; init; } = 0.25;

    /// <summary>Heartbeat period (default 1 s).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a fanout set lives after the last publish to its topic (default 60 s).</summary>
    public TimeSpan FanoutTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Heartbeat windows kept in the message cache (default 5).</summary>
    public int HistoryLength { get; init; } = 5;

    /// <summary>Most recent windows whose ids are gossiped in IHAVE (default 3).</summary>
    public int HistoryGossip { get; init; } = 3;

    /// <summary>How long a message id stays in the seen cache (default 2 min).</summary>
    public TimeSpan SeenTtl { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Backoff after a PRUNE before re-grafting the same peer (default 1 min).</summary>
    public TimeSpan PruneBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Backoff advertised in PRUNEs sent when leaving a topic (default 10 s).</summary>
    public TimeSpan UnsubscribeBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Publish own messages to every subscribed peer, not only the mesh (default true).</summary>
    public bool FloodPublish { get; init; } = true;

    /// <summary>Most message ids per IHAVE, and asked per peer per heartbeat (default 5000).</summary>
    public int MaxIHaveLength { get; init; } = 5000;

    /// <summary>Most IHAVE entries accepted from one peer per heartbeat (default 10).</summary>
    public int MaxIHaveMessages { get; init; } = 10;

    /// <summary>How often one peer may fetch the same message by IWANT (default 3).</summary>
    public int GossipRetransmission { get; init; } = 3;

    /// <summary>
    /// Bytes of messages the message cache holds at most (default 64 MiB); past it the oldest
    /// are dropped before their windows end, so they can no longer be fetched by IWANT.
    /// </summary>
    public long MaxCachedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Message ids the seen cache holds at most (default 200 000, about 20 MB); past it the oldest expire early.</summary>
    public int MaxSeenIds { get; init; } = 200_000;

    /// <summary>Returns every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DLow < 0 || D < DLow || DHigh < D)
        {
            errors.Add($"need 0 <= DLow <= D <= DHigh, got DLow={DLow}, D={D}, DHigh={DHigh}");
        }

        if (DOut < 0 || (DOut > 0 && (DOut >= DLow || DOut > D / 2)))
        {
            errors.Add($"need DOut < DLow and DOut <= D/2, got DOut={DOut}");
        }

        if (DLazy < 0 || GossipFactor is < 0 or > 1)
        {
            errors.Add("need DLazy >= 0 and 0 <= GossipFactor <= 1");
        }

        if (HistoryLength < 1 || HistoryGossip < 0 || HistoryGossip > HistoryLength)
        {
            errors.Add($"need HistoryLength >= 1 and 0 <= HistoryGossip <= HistoryLength, got {HistoryLength}/{HistoryGossip}");
        }

        foreach (var (name, value) in new[] { (nameof(HeartbeatInterval), HeartbeatInterval), (nameof(FanoutTtl), FanoutTtl), (nameof(SeenTtl), SeenTtl) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{name} must be positive, got {value}");
            }
        }

        if (PruneBackoff < TimeSpan.Zero || UnsubscribeBackoff < TimeSpan.Zero)
        {
            errors.Add("backoffs must not be negative");
        }

        if (MaxCachedBytes < 1 || MaxSeenIds < 1)
        {
            errors.Add("MaxCachedBytes and MaxSeenIds must be at least 1");
        }

        if (MaxIHaveLength < 1 || MaxIHaveMessages < 1 || GossipRetransmission < 1)
        {
            errors.Add("MaxIHaveLength, MaxIHaveMessages and GossipRetransmission must be at least 1");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when invalid.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid gossip options: " + string.Join("; ", errors));
        }
    }
}
