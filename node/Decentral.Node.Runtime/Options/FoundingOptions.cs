namespace Decentral.Node.Runtime.Options;

/// <summary>
/// The `founding` section: how nodes that start a session together agree on its first sample.
/// Each node gathers the members it hears of (their signed announcements on the session topic
/// and the member lists of its bootstrap peer and, for MoDeST, of the peers it is connected to) until it knows at least <see cref="MinPeers"/> and
/// has heard of no new one for <see cref="Settle"/>; then it starts round 1 from the shared
/// initial model with that founding view. A node that hears of a running session (a member
/// past round 2, the last of the founders' rounds) or restarts from a checkpoint joins instead.
/// </summary>
public sealed class FoundingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "founding";

    /// <summary>Members (this node included) to know before founding; 0 (the default) means protocol:sampleSize.</summary>
    public int MinPeers { get; set; }

    /// <summary>Quiet period with no new member before founding. Default 3 s.</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often announcements are published while gathering (and, every three of them, a MoDeST node that knows fewer than MinPeers asks a connected peer for its member list again). Default 1 s.</summary>
    public TimeSpan GatherAnnounceInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When neither this node's round estimate nor any member's announced one moves for this
    /// long, no member holds a round in flight (all came back from checkpoints at once, or the
    /// nodes that held the round died with it), so the node resumes the session at the next round
    /// (MoDeST only; every running node watches). Longer than protocol:ackTimeout (validated: a
    /// trainer's failover moves a session first), several network:announceInterval and the slowest
    /// round. 0 turns it off. Default 6 min.
    /// </summary>
    public TimeSpan ResumeAfter { get; set; } = TimeSpan.FromMinutes(6);
}
