using Decentral.Baselines;
using Decentral.Core.Tests.TestKit;
using Decentral.Protocol;
using static Decentral.Core.Tests.Baselines.BaselineFixture;

namespace Decentral.Core.Tests.Baselines;

public sealed class DpsgdNodeTests
{
    private readonly Identity.PeerId[] _peers = Peers(8);
    private readonly RecordingEffects _effects = new();

    private DpsgdNode Node(int self, string topology = DpsgdTopology.Exponential, int degree = 4) =>
        new(_peers[self], _peers, new DpsgdOptions { Topology = topology, Degree = degree, RoundTimeout = TimeSpan.FromSeconds(20) }, View(_peers), _effects, new Random(1));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 1)]
    public void Exponential_Round_SendsToRotatingPowerOfTwoOffset(long round, int offset)
    {
        var node = Node(5);

        Assert.Equal([_peers[(5 + offset) % 8]], node.OutNeighbours(round));
        Assert.Equal([_peers[(5 - offset + 8) % 8]], node.InNeighbours(round));
    }

    [Fact]
    public void Regular_DegreeFour_NeighboursAreTwoOnEachSide()
    {
        var node = Node(0, DpsgdTopology.Regular);

        Assert.Equal(new[] { _peers[1], _peers[7], _peers[2], _peers[6] }.ToHashSet(), node.OutNeighbours(3).ToHashSet());
    }

    [Fact]
    public void Trained_InNeighbourModelArrives_AveragesEquallyAndTrainsNextRound()
    {
        var node = Node(0, DpsgdTopology.Ring);
        node.Start(Model(0, 0));
        node.TrainingCompleted(1, Model(3, 0), 10);
        Assert.Equal(new[] { _peers[1], _peers[7] }.ToHashSet(), _effects.SentOf<TrainedModel>().Select(s => s.To).ToHashSet());

        node.Receive(_peers[1], new TrainedModel(1, Model(0, 3), 10, ViewUpdate.Empty(0)));
        Assert.Empty(_effects.ObservedOf(ObservationKind.Aggregated));
        node.Receive(_peers[7], new TrainedModel(1, Model(0, 0), 10, ViewUpdate.Empty(0)));

        var aggregated = Assert.Single(_effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal([1f, 1f], aggregated.Model!.Parameters);
        Assert.Equal(2, node.Round);
        Assert.Equal(2, _effects.TrainingStarts[^1].Round);
    }

    [Fact]
    public void EarlyModelOfNextRound_IsKeptUntilTheNodeGetsThere()
    {
        var node = Node(0);
        node.Start(Model(0, 0));
        node.Receive(_peers[6], new TrainedModel(2, Model(4, 4), 10, ViewUpdate.Empty(0)));
        node.TrainingCompleted(1, Model(2, 2), 10);
        node.Receive(_peers[7], new TrainedModel(1, Model(2, 2), 10, ViewUpdate.Empty(0)));

        node.TrainingCompleted(2, Model(0, 0), 10);

        var second = _effects.ObservedOf(ObservationKind.Aggregated)[^1];
        Assert.Equal(2, second.Round);
        Assert.Equal([2f, 2f], second.Model!.Parameters);
    }

    [Fact]
    public void RoundTimeout_NoNeighbourModel_ProceedsWithOwnModelAlone()
    {
        var node = Node(0);
        node.Start(Model(0, 0));
        node.TrainingCompleted(1, Model(2, 2), 10);

        node.TimerFired(new TimerKey(TimerKind.RoundTimeout, 1));

        var aggregated = Assert.Single(_effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal(1, aggregated.Count);
        Assert.Equal(2, node.Round);
    }

    [Fact]
    public void StaleModelOfEarlierRound_IsIgnored()
    {
        var node = Node(0);
        node.Start(Model(0, 0));
        node.TrainingCompleted(1, Model(2, 2), 10);
        node.TimerFired(new TimerKey(TimerKind.RoundTimeout, 1));

        node.Receive(_peers[7], new TrainedModel(1, Model(9, 9), 10, ViewUpdate.Empty(0)));

        Assert.Single(_effects.ObservedOf(ObservationKind.StaleIgnored));
    }
}
