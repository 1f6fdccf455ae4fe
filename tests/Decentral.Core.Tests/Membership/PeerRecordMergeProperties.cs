using Decentral.Core.Tests.TestKit;
using Decentral.Membership;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Membership;

public sealed class PeerRecordMergeProperties
{
    // Records of different peers do not merge; properties pin every record onto peer 0.
    private static PeerRecord OnPeer0(PeerRecord r) => r with { Peer = TestPeers.Get(0) };

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 500)]
    public bool Merge_AnyTwoRecords_IsCommutative(PeerRecord a, PeerRecord b)
    {
        a = OnPeer0(a);
        b = OnPeer0(b);
        return PeerRecord.Merge(a, b) == PeerRecord.Merge(b, a);
    }

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 500)]
    public bool Merge_AnyThreeRecords_IsAssociative(PeerRecord a, PeerRecord b, PeerRecord c)
    {
        a = OnPeer0(a);
        b = OnPeer0(b);
        c = OnPeer0(c);
        return PeerRecord.Merge(PeerRecord.Merge(a, b), c) == PeerRecord.Merge(a, PeerRecord.Merge(b, c));
    }

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 500)]
    public bool Merge_RecordWithItself_IsIdentity(PeerRecord a) => PeerRecord.Merge(a, a) == a;

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 500)]
    public bool Merge_AnyTwoRecords_KeepsHighestLastActiveAndIndex(PeerRecord a, PeerRecord b)
    {
        a = OnPeer0(a);
        b = OnPeer0(b);
        var m = PeerRecord.Merge(a, b);
        return m.LastActiveRound == Math.Max(a.LastActiveRound, b.LastActiveRound)
            && m.MembershipIndex == Math.Max(a.MembershipIndex, b.MembershipIndex);
    }

    [Fact]
    public void Merge_HigherIndexJoin_WinsOverLowerIndexLeave()
    {
        var peer = TestPeers.Get(0);
        var left = new PeerRecord(peer, 9, 2, MembershipStatus.Leave);
        var rejoined = new PeerRecord(peer, 3, 3, MembershipStatus.Join);

        Assert.Equal(new PeerRecord(peer, 9, 3, MembershipStatus.Join), PeerRecord.Merge(left, rejoined));
    }

    [Fact]
    public void Merge_EqualIndex_LeaveWins()
    {
        var peer = TestPeers.Get(0);
        var merged = PeerRecord.Merge(new PeerRecord(peer, 5, 2, MembershipStatus.Join), new PeerRecord(peer, 1, 2, MembershipStatus.Leave));

        Assert.Equal(new PeerRecord(peer, 5, 2, MembershipStatus.Leave), merged);
    }

    [Fact]
    public void Merge_DifferentPeers_Throws()
    {
        var a = TestPeers.Founder(TestPeers.Get(0));
        var b = TestPeers.Founder(TestPeers.Get(1));

        Assert.Throws<ArgumentException>(() => PeerRecord.Merge(a, b));
    }
}
