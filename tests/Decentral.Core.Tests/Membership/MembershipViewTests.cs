using Decentral.Core.Tests.TestKit;
using Decentral.Membership;

namespace Decentral.Core.Tests.Membership;

public sealed class MembershipViewTests
{
    [Fact]
    public void Constructor_SharedBase_ViewStartsWithBaseRecordsAndNoOverlay()
    {
        var peers = TestPeers.Range(4);
        var shared = TestPeers.FoundersBase(peers);

        var view = new MembershipView(shared);

        Assert.Equal(4, view.Count);
        Assert.Equal(0, view.OverlayCount);
        Assert.Equal(shared.Digest, view.Digest);
        Assert.Equal(0, view.Version);
        Assert.Empty(view.ChangedSince(0));
    }

    [Fact]
    public void Merge_IntoOneView_LeavesOtherViewsOfTheSameBaseUnchanged()
    {
        var peers = TestPeers.Range(4);
        var shared = TestPeers.FoundersBase(peers);
        var a = new MembershipView(shared);
        var b = new MembershipView(shared);

        a.MarkLeave(peers[1]);
        a.Merge(TestPeers.Founder(TestPeers.Get(99)));

        Assert.True(b.TryGet(peers[1], out var inB));
        Assert.Equal(MembershipStatus.Join, inB.Status);
        Assert.False(b.Contains(TestPeers.Get(99)));
        Assert.Equal(5, a.Count);
        Assert.Equal(2, a.OverlayCount);
        Assert.NotEqual(a.Digest, b.Digest);
    }

    [Fact]
    public void Merge_LastActiveOnly_ChangesVersionButNotDigest()
    {
        var peer = TestPeers.Get(0);
        var view = new MembershipView(TestPeers.FoundersBase([peer]));
        var digest = view.Digest;

        Assert.True(view.Touch(peer, 5));

        Assert.Equal(digest, view.Digest);
        Assert.Equal(1, view.Version);
        Assert.Equal(5, Assert.Single(view.ChangedSince(0)).LastActiveRound);
    }

    [Fact]
    public void Merge_OlderRecord_ReportsNoChange()
    {
        var peer = TestPeers.Get(0);
        var view = new MembershipView();
        view.Merge(new PeerRecord(peer, 5, 2, MembershipStatus.Join));

        Assert.False(view.Merge(new PeerRecord(peer, 3, 1, MembershipStatus.Leave)));
        Assert.Equal(1, view.Version);
    }

    [Fact]
    public void Touch_UnknownPeer_AddsJoinWithIndexZero()
    {
        var peer = TestPeers.Get(3);
        var view = new MembershipView();

        view.Touch(peer, 4);

        Assert.True(view.TryGet(peer, out var record));
        Assert.Equal(new PeerRecord(peer, 4, 0, MembershipStatus.Join), record);
    }

    [Fact]
    public void IsActive_LeaveOrTooOld_IsFalse()
    {
        var peers = TestPeers.Range(3);
        var view = new MembershipView();
        view.Merge(new PeerRecord(peers[0], 10, 1, MembershipStatus.Join));
        view.Merge(new PeerRecord(peers[1], 10, 1, MembershipStatus.Leave));
        view.Merge(new PeerRecord(peers[2], 4, 1, MembershipStatus.Join));

        Assert.True(view.IsActive(peers[0], 15, 5));
        Assert.False(view.IsActive(peers[1], 15, 5));
        Assert.False(view.IsActive(peers[2], 15, 5));
        Assert.True(view.IsActive(peers[2], 9, 5));
        Assert.False(view.IsActive(TestPeers.Get(50), 1, 5));
    }

    [Fact]
    public void ChangedSince_ManyChangesOfFewPeers_StaysExactAfterLogCompaction()
    {
        var peers = TestPeers.Range(3);
        var view = new MembershipView();
        for (var round = 1; round <= 500; round++)
        {
            view.Touch(peers[round % 3], round);
        }

        var since = view.Version - 2;

        Assert.Equal([peers[1], peers[2]], view.ChangedSince(since).Select(r => r.Peer));
        Assert.Equal(3, view.ChangedSince(0).Count);
    }
}
