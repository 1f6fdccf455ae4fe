using Decentral.Identity;
using Decentral.Node.Runtime.Peers;
using Decentral.Node.Runtime.Tests.Kit;

namespace Decentral.Node.Runtime.Tests;

/// <summary>The overlay's waits before it dials a member that could not be dialled again.</summary>
public sealed class RedialBackoffTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PeerId A = TestPeers.Peer(1);
    private static readonly PeerId B = TestPeers.Peer(2);

    [Fact]
    public void FailedDials_WaitDoublesWithJitterUpToTheMaximum()
    {
        var max = TimeSpan.FromSeconds(60);
        var backoff = new RedialBackoff(max, new Random(3));
        var waits = new List<TimeSpan>();
        var now = T0;
        for (var i = 0; i < 8; i++)
        {
            Assert.True(backoff.MayDial(A, now));
            var wait = backoff.Failed(A, now);
            waits.Add(wait);
            Assert.False(backoff.MayDial(A, now + wait - TimeSpan.FromTicks(1)));
            now += wait;
        }

        // 2, 4, 8, 16, 32 s within a quarter either way, then the maximum (jittered below it).
        for (var i = 0; i < 5; i++)
        {
            var nominal = RedialBackoff.First * Math.Pow(2, i);
            Assert.InRange(waits[i], nominal * 0.75, nominal * 1.25);
        }

        Assert.All(waits.Skip(5), w => Assert.InRange(w, max * 0.75, max));
    }

    [Fact]
    public void ConnectedOrNoLongerDialable_WaitForgotten()
    {
        var backoff = new RedialBackoff(TimeSpan.FromSeconds(60), new Random(3));
        backoff.Failed(A, T0);
        backoff.Failed(A, T0);
        backoff.Failed(B, T0);

        backoff.Keep(new HashSet<PeerId> { A }, [A, B]);
        Assert.True(backoff.MayDial(A, T0));
        Assert.False(backoff.MayDial(B, T0));
        Assert.InRange(backoff.Failed(A, T0), RedialBackoff.First * 0.75, RedialBackoff.First * 1.25);

        backoff.Keep(new HashSet<PeerId>(), [A]);
        Assert.True(backoff.MayDial(B, T0));
        Assert.Equal(1, backoff.Waiting);
    }
}
