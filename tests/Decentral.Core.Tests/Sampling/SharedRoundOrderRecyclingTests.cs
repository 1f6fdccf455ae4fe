using Decentral.Identity;
using Decentral.Membership;
using Decentral.Sampling;

namespace Decentral.Core.Tests.Sampling;

public sealed class SharedRoundOrderRecyclingTests
{
    private static PeerId Peer(int i)
    {
        var key = new byte[32];
        BitConverter.TryWriteBytes(key, i * 2654435761u);
        key[31] = (byte)i;
        return PeerId.FromPublicKey(key);
    }

    [Fact]
    public void HeldOrder_ArraysRecycledForANewerRound_StillListsItsOwnRound()
    {
        var peers = Enumerable.Range(0, 300).Select(Peer).ToArray();
        var shared = new SharedRoundOrder(peers, roundsCached: 1);
        var view = new MembershipView();
        var held = shared.Order(1, view);
        var firstFew = Enumerable.Range(0, 5).Select(i => held[i]).ToArray();

        var newer = shared.Order(2, view); // evicts round 1 and reuses its arrays for round 2
        _ = newer[0];

        var expected = (PeerId[])peers.Clone();
        SampleRank.Sort(expected, 1);
        Assert.Equal(expected[..5], firstFew);
        Assert.Equal(expected, held.ToArray());
        var expected2 = (PeerId[])peers.Clone();
        SampleRank.Sort(expected2, 2);
        Assert.Equal(expected2, newer.ToArray());
    }
}
