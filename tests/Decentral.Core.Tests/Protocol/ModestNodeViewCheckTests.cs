using Decentral.Core.Tests.TestKit;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

/// <summary>
/// <see cref="ModestOptions.ViewCheckInterval"/>: a peer the others hold as LEAVE at its own index
/// is sampled by nobody, so it asks for a view when its round estimate stands still (and at once
/// when it joins), takes a higher index when a view holds it as LEAVE, and adverts it.
/// </summary>
public sealed class ModestNodeViewCheckTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public void ViewCheck_Off_NoTimerAndNothingAsked()
    {
        var f = new NodeFixture();

        f.Node.Start(NodeFixture.Model(0));
        f.Node.Join();

        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, k => k.Kind == TimerKind.ViewCheck);
        Assert.Empty(f.Effects.SentOf<ViewRequest>());
    }

    [Fact]
    public void ViewCheck_RoundEstimateStoodStillForAnInterval_AsksAJoinMemberForItsViewAndRearms()
    {
        var f = Checking();
        f.Node.Start(NodeFixture.Model(0));
        Assert.Equal(Interval, f.Effects.PendingTimers[new TimerKey(TimerKind.ViewCheck, 0)]);
        f.View.Merge(new PeerRecord(f.Peers[1], 0, 1, MembershipStatus.Leave));

        f.Fire(TimerKind.ViewCheck);
        Assert.Empty(f.Effects.SentOf<ViewRequest>());
        f.Fire(TimerKind.ViewCheck);

        var (to, request) = Assert.Single(f.Effects.SentOf<ViewRequest>());
        Assert.NotEqual(f.Self, to);
        Assert.NotEqual(f.Peers[1], to);
        Assert.Equal(f.View.Digest, request.MembershipDigest);
        Assert.Equal(Interval, f.Effects.PendingTimers[new TimerKey(TimerKind.ViewCheck, 0)]);
    }

    [Fact]
    public void ViewCheck_RoundEstimateMoved_AsksNothing()
    {
        var f = Checking();
        f.Node.Start(NodeFixture.Model(0));
        f.Fire(TimerKind.ViewCheck);

        f.DeliverAggregate(f.Peers[3], f.Node.RoundEstimate + 5);
        f.Fire(TimerKind.ViewCheck);

        Assert.Empty(f.Effects.SentOf<ViewRequest>());
    }

    [Fact]
    public void Join_ViewCheckOn_AsksAtOnce()
    {
        var f = Checking();

        f.Node.Join();

        Assert.Single(f.Effects.SentOf<ViewRequest>());
        Assert.Contains(f.Effects.PendingTimers.Keys, k => k.Kind == TimerKind.ViewCheck);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ViewSnapshot_HoldsThisPeerAsLeaveAtItsIndex_TakesAHigherIndexAndAdvertsJoinWhenChecking(bool checking)
    {
        var f = checking ? Checking() : new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var index = f.Node.MembershipIndex;
        f.Effects.Sent.Clear();

        f.Node.Receive(f.Peers[2], new ViewSnapshot(new ViewUpdate([new PeerRecord(f.Self, 1, index, MembershipStatus.Leave)], 1, IsFull: true)));

        Assert.Equal(index + 1, f.Node.MembershipIndex);
        Assert.True(f.View.TryGet(f.Self, out var own));
        Assert.Equal((MembershipStatus.Join, index + 1), (own.Status, own.MembershipIndex));
        var adverts = f.Effects.SentOf<Advert>();
        if (checking)
        {
            Assert.NotEmpty(adverts);
            Assert.All(adverts, a => Assert.Equal((f.Self, index + 1, MembershipStatus.Join), (a.Message.Record.Peer, a.Message.Record.MembershipIndex, a.Message.Record.Status)));
        }
        else
        {
            // Off, as the paper: the index still goes up, and spreads only with view updates.
            Assert.Empty(adverts);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ping_FromAPeerHeldAsLeave_ToldItsRecordOncePerIndexWhenChecking(bool checking)
    {
        var f = checking ? Checking() : new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var peer = f.Peers[3];
        f.View.Merge(new PeerRecord(peer, 0, 1, MembershipStatus.Leave));
        f.Effects.Sent.Clear();

        f.Node.Receive(peer, new Ping(1, 0, 1));
        f.Node.Receive(peer, new Ping(2, 0, 1));

        var told = f.Effects.SentOf<ViewSnapshot>();
        if (checking)
        {
            var (to, snapshot) = Assert.Single(told);
            Assert.Equal(peer, to);
            Assert.Equal(new PeerRecord(peer, 0, 1, MembershipStatus.Leave), Assert.Single(snapshot.View.Records));
        }
        else
        {
            Assert.Empty(told);
        }
    }

    [Fact]
    public void Options_NegativeViewCheckInterval_IsRejected()
    {
        var options = NodeFixture.SmallOptions();
        options.ViewCheckInterval = TimeSpan.FromSeconds(-1);

        Assert.Contains(options.Validate(), e => e.Contains(nameof(ModestOptions.ViewCheckInterval), StringComparison.Ordinal));
    }

    private static NodeFixture Checking()
    {
        var options = NodeFixture.SmallOptions();
        options.ViewCheckInterval = Interval;
        return new NodeFixture(options: options);
    }
}
