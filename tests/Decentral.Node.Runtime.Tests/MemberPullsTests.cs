using Decentral.Node.Runtime.Peers;
using Decentral.Node.Runtime.Tests.Kit;

namespace Decentral.Node.Runtime.Tests;

/// <summary>Which connected peers a gathering node asks for their member lists, and when.</summary>
public sealed class MemberPullsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NewConnection_AskedAtOnce_ThenAgainOnlyAfterTheInterval()
    {
        var a = TestPeers.Peer(1);
        var b = TestPeers.Peer(2);
        var pulls = new MemberPulls(TimeSpan.FromSeconds(3));

        Assert.Equal([a], pulls.Due([a, a], T0));
        Assert.Empty(pulls.Due([a], T0 + TimeSpan.FromSeconds(1)));

        // b connects later: asked at once, while a waits out its interval.
        Assert.Equal([b], pulls.Due([a, b], T0 + TimeSpan.FromSeconds(2)));
        Assert.Equal([a], pulls.Due([a, b], T0 + TimeSpan.FromSeconds(3)));
        Assert.Empty(pulls.Due([a, b], T0 + TimeSpan.FromSeconds(5)));
        Assert.Equal([b], pulls.Due([a, b], T0 + TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void PeerThatDisconnected_IsNotAsked_AndCountsItsLastAskWhenBack()
    {
        var a = TestPeers.Peer(1);
        var b = TestPeers.Peer(2);
        var pulls = new MemberPulls(TimeSpan.FromSeconds(3));
        Assert.Equal([a, b], pulls.Due([a, b], T0));

        Assert.Empty(pulls.Due([a], T0 + TimeSpan.FromSeconds(2)));
        Assert.Equal([b], pulls.Due([b], T0 + TimeSpan.FromSeconds(4)));
        Assert.Equal([a], pulls.Due([a], T0 + TimeSpan.FromSeconds(7)));
    }

    [Fact]
    public void SeveralDue_OneReaskPerInterval_LongestAgoFirst()
    {
        var a = TestPeers.Peer(1);
        var b = TestPeers.Peer(2);
        var c = TestPeers.Peer(3);
        var pulls = new MemberPulls(TimeSpan.FromSeconds(3));
        Assert.Equal([b], pulls.Due([b], T0));
        Assert.Equal([a, c], pulls.Due([a, b, c], T0 + TimeSpan.FromSeconds(1)));

        // All three are due at T0 + 10; b was asked first.
        Assert.Equal([b], pulls.Due([a, b, c], T0 + TimeSpan.FromSeconds(10)));
        Assert.Empty(pulls.Due([a, b, c], T0 + TimeSpan.FromSeconds(12)));
        Assert.Single(pulls.Due([a, b, c], T0 + TimeSpan.FromSeconds(13)));

        // A new connection is asked at once all the same.
        var d = TestPeers.Peer(4);
        Assert.Equal([d], pulls.Due([a, b, c, d], T0 + TimeSpan.FromSeconds(14)));
    }
}
