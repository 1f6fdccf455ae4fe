using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Sampling;

namespace Decentral.Core.Tests.Sampling;

public sealed class LivenessSearchTests
{
    private static readonly PeerId[] P = TestPeers.Range(8);
    private static readonly PeerId Outsider = TestPeers.Get(100);

    private static LivenessSearch Search(int count, PeerId self, IReadOnlyList<PeerId>? order = null, Func<PeerId, bool>? eligible = null, int attempts = 3) =>
        new(1, 4, count, self, order ?? P, eligible ?? (_ => true), attempts);

    [Fact]
    public void Begin_AllCandidatesAnswer_CompletesWithFirstCountInRankOrder()
    {
        var search = Search(3, Outsider);

        var pinged = search.Begin();
        Assert.Equal(P[..3], pinged);
        Assert.False(search.IsComplete);
        Assert.True(search.Answered(P[2]));
        Assert.True(search.Answered(P[0]));
        Assert.False(search.IsComplete);
        Assert.True(search.Answered(P[1]));

        Assert.True(search.IsComplete);
        Assert.Equal(P[..3], search.Result);
        Assert.Equal(3, search.Pinged);
    }

    [Fact]
    public void Tick_SilentCandidateAfterAllAttempts_IsReplacedByNext()
    {
        var search = Search(2, Outsider, attempts: 3);
        search.Begin();
        search.Answered(P[1]);

        Assert.Equal([P[0]], search.Tick());
        Assert.Equal([P[0]], search.Tick());
        Assert.True(search.IsWaitingFor(P[0]));
        var third = search.Tick();

        Assert.Equal([P[2]], third);
        Assert.False(search.IsWaitingFor(P[0]));
        Assert.False(search.Answered(P[0]));
        search.Answered(P[2]);
        Assert.True(search.IsComplete);
        Assert.Equal([P[1], P[2]], search.Result);
    }

    [Fact]
    public void Begin_SelfAmongFirstCandidates_CountsLiveWithoutPing()
    {
        var search = Search(3, P[1]);

        var pinged = search.Begin();

        // Self takes one of the three slots: only two candidates are pinged.
        Assert.Equal([P[0], P[2]], pinged);
        search.Answered(P[0]);
        search.Answered(P[2]);
        Assert.True(search.IsComplete);
        Assert.Equal(P[..3], search.Result);
    }

    [Fact]
    public void Begin_CountOneAndSelfFirst_CompletesAtOnceWithoutPings()
    {
        var search = Search(1, P[0]);

        Assert.Empty(search.Begin());
        Assert.True(search.IsComplete);
        Assert.Equal([P[0]], search.Result);
    }

    [Fact]
    public void Begin_IneligibleCandidates_AreSkippedWithoutPing()
    {
        var search = Search(2, Outsider, eligible: p => p != P[0] && p != P[2]);

        Assert.Equal([P[1], P[3]], search.Begin());
    }

    [Fact]
    public void Tick_OrderRunsOut_CompletesShortWithTheLiveOnes()
    {
        var search = Search(3, Outsider, order: P[..4], attempts: 1);
        search.Begin();
        search.Answered(P[1]);

        Assert.Equal([P[3]], search.Tick());
        Assert.False(search.IsComplete);
        Assert.Empty(search.Tick());

        Assert.True(search.IsComplete);
        Assert.Equal([P[1]], search.Result);
    }

    [Fact]
    public void Begin_NoEligibleCandidates_CompletesEmpty()
    {
        var search = Search(2, Outsider, eligible: _ => false);

        Assert.Empty(search.Begin());
        Assert.True(search.IsComplete);
        Assert.Empty(search.Result);
    }

    [Fact]
    public void Answered_PeerNotAwaited_IsIgnored()
    {
        var search = Search(2, Outsider);
        search.Begin();

        Assert.False(search.Answered(P[5]));
        Assert.False(search.Answered(Outsider));
        Assert.True(search.Answered(P[0]));
        Assert.False(search.Answered(P[0]));
        Assert.False(search.IsComplete);
    }

    [Fact]
    public void Constructor_ZeroCountOrAttempts_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Search(0, Outsider));
        Assert.Throws<ArgumentOutOfRangeException>(() => Search(1, Outsider, attempts: 0));
    }
}
