using Decentral.Membership;
using FsCheck;
using FsCheck.Fluent;

namespace Decentral.Core.Tests.TestKit;

/// <summary>One change applied to a view in a property: merge a record, touch a peer or mark it LEAVE.</summary>
/// <param name="Kind">0 = merge, 1 = touch, 2 = mark leave.</param>
/// <param name="Record">The record (touch uses its peer and last-active round; leave only its peer).</param>
public sealed record ViewOp(int Kind, PeerRecord Record)
{
    /// <summary>Applies the change; true when the view changed.</summary>
    public bool ApplyTo(MembershipView view) => Kind switch
    {
        0 => view.Merge(Record),
        1 => view.Touch(Record.Peer, Record.LastActiveRound),
        _ => view.MarkLeave(Record.Peer),
    };

    /// <inheritdoc />
    public override string ToString() => $"{(Kind == 0 ? "Merge" : Kind == 1 ? "Touch" : "Leave")}({Record.Peer.ToString()[^4..]}, la {Record.LastActiveRound}, idx {Record.MembershipIndex}, {Record.Status})";
}

/// <summary>
/// FsCheck generators for membership: records over a small pool of peers (so merges collide),
/// small rounds and indices (so ties happen), and sequences long enough to compact the change log.
/// </summary>
public static class MembershipArbitraries
{
    /// <summary>Size of the peer pool records are drawn from.</summary>
    public const int PoolSize = 6;

    /// <summary>A record of one of the pool's peers.</summary>
    public static Gen<PeerRecord> RecordGen { get; } =
        from peer in Gen.Choose(0, PoolSize - 1)
        from record in RecordOf(peer)
        select record;

    /// <summary>Records of pool peers.</summary>
    public static Arbitrary<PeerRecord> PeerRecords() => RecordGen.ToArbitrary();

    /// <summary>Sequences of 0 to 300 view changes.</summary>
    public static Arbitrary<ViewOp[]> ViewOps() =>
        (from length in Gen.Choose(0, 300)
         from ops in (from kind in Gen.Frequency((6, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)))
                      from record in RecordGen
                      select new ViewOp(kind, record)).ArrayOf(length)
         select ops).ToArbitrary();

    /// <summary>A record of pool peer <paramref name="peer"/>.</summary>
    public static Gen<PeerRecord> RecordOf(int peer) =>
        from lastActive in Gen.Choose(0, 12)
        from index in Gen.Choose(0, 3)
        from leave in Gen.Elements(false, false, true)
        select new PeerRecord(TestPeers.Get(peer), lastActive, index, leave ? MembershipStatus.Leave : MembershipStatus.Join);
}
