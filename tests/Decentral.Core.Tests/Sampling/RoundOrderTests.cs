using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Sampling;
using Xunit.Abstractions;

namespace Decentral.Core.Tests.Sampling;

public sealed class RoundOrderTests(ITestOutputHelper output)
{
    [Fact]
    public void ViewRoundOrder_SameViewAndRound_IsDeterministic()
    {
        var view = new MembershipView(TestPeers.FoundersBase(TestPeers.Range(40)));

        var first = new ViewRoundOrder().Order(9, view);
        var second = new ViewRoundOrder().Order(9, view);

        Assert.Equal(first, second);
        Assert.Equal(TestPeers.OrderOf(TestPeers.Range(40), 9), first);
    }

    [Fact]
    public void SharedRoundOrder_FullView_AgreesWithViewRoundOrder()
    {
        var peers = TestPeers.Range(60);
        var view = new MembershipView(TestPeers.FoundersBase(peers));
        var shared = new SharedRoundOrder(peers, roundsCached: 2);
        var own = new ViewRoundOrder();

        for (var round = 1; round <= 20; round++)
        {
            Assert.Equal(own.Order(round, view), shared.Order(round, view));
        }
    }

    [Fact]
    public void SharedRoundOrder_PartialView_FilteredAgreesWithViewRoundOrder()
    {
        var universe = TestPeers.Range(60);
        var view = new MembershipView(TestPeers.FoundersBase(universe.Where((_, i) => i % 3 != 0)));
        var shared = new SharedRoundOrder(universe);

        for (var round = 1; round <= 20; round++)
        {
            var filtered = shared.Order(round, view).Where(view.Contains);
            Assert.Equal(new ViewRoundOrder().Order(round, view), filtered);
        }
    }

    [Fact]
    public void ViewRoundOrder_ViewGainsPeer_OrderIncludesIt()
    {
        var view = new MembershipView(TestPeers.FoundersBase(TestPeers.Range(10)));
        var order = new ViewRoundOrder();
        Assert.Equal(10, order.Order(3, view).Count);

        view.Merge(TestPeers.Founder(TestPeers.Get(10)));

        Assert.Contains(TestPeers.Get(10), order.Order(3, view));
        Assert.Equal(TestPeers.OrderOf(TestPeers.Range(11), 3), order.Order(3, view));
    }

    [Fact]
    public void ViewRoundOrder_SharedByTwoViewsOfEqualSize_RanksEachViewsOwnPeers()
    {
        var a = new MembershipView(TestPeers.FoundersBase(TestPeers.Range(10)));
        var b = new MembershipView(TestPeers.FoundersBase(TestPeers.Range(10, first: 10)));
        var order = new ViewRoundOrder();

        var ofA = order.Order(5, a);
        var ofB = order.Order(5, b);

        Assert.Equal(TestPeers.OrderOf(TestPeers.Range(10), 5), ofA);
        Assert.Equal(TestPeers.OrderOf(TestPeers.Range(10, first: 10), 5), ofB);
    }

    [Fact]
    public void ActiveOrder_ViewsOf200DifferingBy5MissingAnd5Extra_AgreeOnMostOfFirst10()
    {
        const int s = 10;
        const int rounds = 2000;
        var common = TestPeers.Range(200);
        var a = new MembershipView(RecentBase(common));
        var b = new MembershipView(RecentBase(common.Skip(5).Concat(TestPeers.Range(5, first: 200))));
        var shared = new SharedRoundOrder(common.Concat(TestPeers.Range(5, first: 200)));

        var overlaps = new int[rounds];
        for (var round = 1; round <= rounds; round++)
        {
            var firstA = ActiveFirst(shared.Order(round, a), a, round, s);
            var firstB = ActiveFirst(shared.Order(round, b), b, round, s);
            overlaps[round - 1] = firstA.Intersect(firstB).Count();
        }

        var mean = overlaps.Average();
        var identical = overlaps.Count(o => o == s) / (double)rounds;
        output.WriteLine($"5 missing + 5 extra of 200: mean overlap of first {s} = {mean:F3}/{s}, min {overlaps.Min()}, identical samples {identical:P1} ({rounds} rounds)");
        Assert.True(mean >= 8.0, $"mean overlap {mean:F3}");
        Assert.True(overlaps.Min() >= 5, $"min overlap {overlaps.Min()}");
    }

    [Fact]
    public void ActiveOrder_ViewsDifferingIn10StatusesAndActivity_AgreeOnMostOfFirst10()
    {
        const int s = 10;
        const int rounds = 2000;
        const int threshold = 20;
        const long recent = 1_000_000;
        var peers = TestPeers.Range(200);
        var stale = Enumerable.Range(0, 5).Select(i => peers[(i * 11) + 100]).ToHashSet();
        var shared = new SharedViewBase(peers.Select(p => new PeerRecord(p, stale.Contains(p) ? 0 : recent, 1, MembershipStatus.Join)));
        var a = new MembershipView(shared);
        var b = new MembershipView(shared);
        for (var i = 0; i < 5; i++)
        {
            b.MarkLeave(peers[i * 7]);
        }

        foreach (var p in stale)
        {
            a.Touch(p, recent);
        }

        var order = new SharedRoundOrder(peers);
        double total = 0;
        for (var round = 100; round < 100 + rounds; round++)
        {
            // The stale peers are active only in a; peers 0, 7, .. 28 only in b.
            var firstA = ActiveFirst(order.Order(round, a), a, round, s, threshold);
            var firstB = ActiveFirst(order.Order(round, b), b, round, s, threshold);
            total += firstA.Intersect(firstB).Count();
        }

        var mean = total / rounds;
        output.WriteLine($"5 LEAVE in one view + 5 active only in the other, of 200: mean overlap of first {s} = {mean:F3}/{s}");
        Assert.True(mean >= 8.0, $"mean overlap {mean:F3}");
    }

    // Every peer last active far in the future of the rounds tested, so all count as active.
    private static SharedViewBase RecentBase(IEnumerable<PeerId> peers) =>
        new(peers.Select(p => new PeerRecord(p, 1_000_000, 1, MembershipStatus.Join)));

    private static List<PeerId> ActiveFirst(IReadOnlyList<PeerId> order, MembershipView view, long round, int s, int threshold = 50) =>
        [.. order.Where(p => view.IsActive(p, round, threshold)).Take(s)];
}
