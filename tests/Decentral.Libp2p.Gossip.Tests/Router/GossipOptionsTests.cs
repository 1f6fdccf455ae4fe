using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Gossip.Transfer;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Router;

public sealed class GossipOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValid()
    {
        Assert.Empty(new GossipOptions().Validate());
    }

    [Fact]
    public void Validate_EveryBrokenRule_IsReported()
    {
        var options = new GossipOptions
        {
            DLow = 7, // above D
            DOut = 5,
            GossipFactor = 2,
            HistoryGossip = 9,
            HeartbeatInterval = TimeSpan.Zero,
            PruneBackoff = TimeSpan.FromSeconds(-1),
            MaxIHaveLength = 0,
        };

        var errors = options.Validate();

        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void Router_InvalidOptions_Throws()
    {
        using var identity = RouterNet.Identity(1);
        Assert.Throws<ArgumentException>(() => new GossipRouter(identity, new GossipOptions { D = 20 }, new FakeTimeProvider(), new Random(1)));
    }

    [Fact]
    public void OtherOptions_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentException>(() => new GossipServiceOptions { MaxRpcBytes = 10 }.EnsureValid());
        Assert.Throws<ArgumentException>(() => new ModelTransferOptions { Timeout = TimeSpan.Zero }.EnsureValid());
        Assert.Throws<ArgumentException>(() => new ModelTransferOptions { ChunkBytes = 16 }.EnsureValid());
    }
}
