using System.Buffers.Binary;
using System.Security.Cryptography;
using Decentral.Core.Tests.TestKit;
using Decentral.Sampling;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Sampling;

public sealed class SampleRankTests
{
    [Fact]
    public void Of_AnyPeerAndRound_IsFirst8BytesBigEndianOfSha256OfIdAndRound()
    {
        var peer = TestPeers.Get(4);
        var input = new byte[peer.Span.Length + 8];
        peer.Span.CopyTo(input);
        BinaryPrimitives.WriteInt64BigEndian(input.AsSpan(peer.Span.Length), 0x0102030405060708);
        var expected = BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(input));

        Assert.Equal(expected, SampleRank.Of(peer, 0x0102030405060708));
    }

    [Fact]
    public void Of_KnownPeerAndRound_MatchesPinnedValue()
    {
        // Pinned (computed independently with Python's hashlib) so that a change of the rank
        // function, which would split peers running old and new code, is noticed.
        Assert.Equal(0x2603E7AB5E29FB24UL, SampleRank.Of(TestPeers.Get(0), 1));
        Assert.NotEqual(SampleRank.Of(TestPeers.Get(0), 1), SampleRank.Of(TestPeers.Get(0), 2));
    }

    [Property(MaxTest = 100)]
    public bool Sort_AnyInputOrder_GivesSameOrder(int shuffleSeed, int round)
    {
        var peers = TestPeers.Range(50);
        var shuffled = peers.ToArray();
        new Random(shuffleSeed).Shuffle(shuffled);

        SampleRank.Sort(peers, round);
        SampleRank.Sort(shuffled, round);

        return peers.SequenceEqual(shuffled);
    }

    [Fact]
    public void Sort_AnyRound_OrdersByAscendingRank()
    {
        var peers = TestPeers.Range(100);

        SampleRank.Sort(peers, 17);

        var ranks = peers.Select(p => SampleRank.Of(p, 17)).ToArray();
        Assert.Equal(ranks.Order(), ranks);
    }

    [Fact]
    public void Sort_ConsecutiveRounds_GiveDifferentFirstPeers()
    {
        var firsts = Enumerable.Range(1, 50).Select(r => TestPeers.OrderOf(TestPeers.Range(100), r)[0]).Distinct().Count();

        // 50 rounds over 100 peers: a rank that ignored the round would give 1 distinct first peer.
        Assert.True(firsts > 20, $"only {firsts} distinct first peers in 50 rounds");
    }
}
