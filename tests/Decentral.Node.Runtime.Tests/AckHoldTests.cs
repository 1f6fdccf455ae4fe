using Decentral.Identity;
using Decentral.Node.Runtime.Runtime;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Tests;

/// <summary>The Acks an aggregator owes its trainers wait for its aggregate to reach the next sample.</summary>
public sealed class AckHoldTests
{
    private static readonly PeerId A = TestPeers.Peer(1);
    private static readonly PeerId B = TestPeers.Peer(2);

    [Fact]
    public void Acks_AggregateSentInTheSameEvent_HeldUntilMinModelsDeliveries()
    {
        var hold = new AckHold(maxRounds: 8);
        Assert.True(hold.TryDefer(A, new Ack(7, Success: true)));
        Assert.True(hold.TryDefer(B, new Ack(7, Success: true)));
        hold.AggregateSending(7);
        hold.AggregateSending(7);
        hold.AggregateSending(7);

        Assert.Empty(hold.EndEvent(minModels: 2));
        Assert.Empty(hold.Delivered(7));
        Assert.Equal([A, B], hold.Delivered(7).Select(x => x.To));
        Assert.Equal(0, hold.HeldRounds);
        Assert.Empty(hold.Delivered(7));
    }

    [Fact]
    public void Acks_NoAggregateOfTheirRoundInTheEvent_ReleasedAtTheEndOfIt()
    {
        var hold = new AckHold(maxRounds: 8);
        hold.TryDefer(A, new Ack(7, Success: true));
        hold.AggregateSending(8);

        var now = hold.EndEvent(minModels: 2);

        Assert.Equal(A, Assert.Single(now).To);
        Assert.Equal(0, hold.HeldRounds);
    }

    [Fact]
    public void NegativeAckAndOtherMessages_NotDeferred()
    {
        var hold = new AckHold(maxRounds: 8);

        Assert.False(hold.TryDefer(A, new Ack(7, Success: false)));
        Assert.False(hold.TryDefer(A, new Ping(3, 7, 1)));
    }

    [Fact]
    public void SampleSmallerThanMinModels_EveryDeliveryNeededOnce()
    {
        var hold = new AckHold(maxRounds: 8);
        hold.TryDefer(A, new Ack(7, Success: true));
        hold.AggregateSending(7);

        Assert.Empty(hold.EndEvent(minModels: 3));
        Assert.Single(hold.Delivered(7));
    }

    [Fact]
    public void HeldRounds_PastTheBound_OldestForgotten()
    {
        var hold = new AckHold(maxRounds: 2);
        for (var round = 1; round <= 3; round++)
        {
            hold.TryDefer(A, new Ack(round, Success: true));
            hold.AggregateSending(round);
            hold.EndEvent(minModels: 1);
        }

        Assert.Equal(2, hold.HeldRounds);
        Assert.Empty(hold.Delivered(1));
        Assert.Single(hold.Delivered(3));
    }
}
