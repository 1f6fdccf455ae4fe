using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Tests.Router;

/// <summary>What a flood of distinct messages can make the router and service hold.</summary>
public sealed class CacheBoundsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public void MessageCache_OverByteBound_ForgetsOldestAndStopsAdvertisingThem()
    {
        var cache = new MessageCache(historyLength: 5, historyGossip: 3, maxBytes: 10_000);
        for (var i = 0; i < 100; i++)
        {
            cache.Put(Id(i), Message(1000));
        }

        Assert.InRange(cache.Bytes, 0, 10_000);
        Assert.False(cache.Contains(Id(0)));
        Assert.True(cache.Contains(Id(99)));
        Assert.All(cache.GossipIds("t"), id => Assert.True(cache.Contains(id)));

        // The windows shift out as before, and the byte count follows.
        for (var i = 0; i < 5; i++)
        {
            cache.Shift();
        }

        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void SeenCache_OverIdBound_ExpiresOldestEarly()
    {
        var seen = new SeenCache(TimeSpan.FromMinutes(2), maxIds: 1000);
        for (var i = 0; i < 5000; i++)
        {
            Assert.True(seen.Add(Id(i), Now));
        }

        Assert.Equal(1000, seen.Count);
        Assert.False(seen.Contains(Id(3999)));
        Assert.True(seen.Contains(Id(4000)));
        seen.Expire(Now + TimeSpan.FromMinutes(3));
        Assert.Equal(0, seen.Count);
    }

    [Fact]
    public void DeliveryQueue_OverByteBound_DropsOldestAndCountsThem()
    {
        var queue = new DeliveryQueue(capacity: 1000, maxBytes: 10_000);
        for (var i = 0; i < 50; i++)
        {
            queue.Write(new GossipDelivery(Id(i), RouterNet.Identity(1).PeerId, RouterNet.Identity(2).PeerId, "t", new byte[1000]));
        }

        Assert.InRange(queue.Bytes, 0, 10_000);
        Assert.Equal(40, queue.Dropped);
        Assert.True(queue.TryRead(out var first));
        Assert.Equal(Id(40), first.Id);
        Assert.Equal(9 * 1000, queue.Bytes);
    }

    private static MessageId Id(int i) => new(BitConverter.GetBytes(i));

    private static PubSubMessage Message(int size) => new([], new byte[size], new byte[8], "t", [], []);
}
