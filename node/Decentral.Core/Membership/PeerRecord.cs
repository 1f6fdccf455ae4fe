using Decentral.Identity;

namespace Decentral.Membership;

/// <summary>Whether a peer is a member (JOIN) or has left (LEAVE).</summary>
public enum MembershipStatus : byte
{
    /// <summary>The peer takes part in sampling.</summary>
    Join = 1,

    /// <summary>The peer left (gracefully, or was marked gone after failing as aggregator).</summary>
    Leave = 2,
}

/// <summary>
/// What a node knows about one peer: the last round it was seen active in, the version of its
/// membership record and the membership status. A value; merging picks per field (see
/// <see cref="Merge"/>).
/// </summary>
/// <param name="Peer">The peer.</param>
/// <param name="LastActiveRound">Highest round in which the peer was seen active.</param>
/// <param name="MembershipIndex">The peer's own version counter for its membership (starts at 1).</param>
/// <param name="Status">JOIN or LEAVE.</param>
public readonly record struct PeerRecord(PeerId Peer, long LastActiveRound, long MembershipIndex, MembershipStatus Status)
{
    /// <summary>
    /// The merge rule: the record with the higher membership index wins its index and status
    /// (on equal index LEAVE wins, so merge stays commutative); last-active is the maximum.
    /// Commutative, associative and idempotent (property-tested).
    /// </summary>
    public static PeerRecord Merge(in PeerRecord a, in PeerRecord b)
    {
        if (a.Peer != b.Peer)
        {
            throw new ArgumentException("Only records of the same peer merge.");
        }

        var lastActive = Math.Max(a.LastActiveRound, b.LastActiveRound);
        if (a.MembershipIndex != b.MembershipIndex)
        {
            var winner = a.MembershipIndex > b.MembershipIndex ? a : b;
            return winner with { LastActiveRound = lastActive };
        }

        var status = a.Status == MembershipStatus.Leave || b.Status == MembershipStatus.Leave ? MembershipStatus.Leave : MembershipStatus.Join;
        return new PeerRecord(a.Peer, lastActive, a.MembershipIndex, status);
    }
}
