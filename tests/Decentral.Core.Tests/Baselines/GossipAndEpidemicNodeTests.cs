using Decentral.Baselines;
using Decentral.Core.Tests.TestKit;
using Decentral.Protocol;
using static Decentral.Core.Tests.Baselines.BaselineFixture;

namespace Decentral.Core.Tests.Baselines;

public sealed class GossipAndEpidemicNodeTests
{
    private readonly Identity.PeerId[] _peers = Peers(6);
    private readonly RecordingEffects _effects = new();

    private GossipNode Gossip() =>
        new(_peers[0], _peers, new GossipOptions { Period = TimeSpan.FromSeconds(60) }, View(_peers), _effects, new Random(3));

    private EpidemicNode Epidemic(int fanout = 2) =>
        new(_peers[0], _peers, fanout, new EpidemicOptions { RoundWait = TimeSpan.FromSeconds(10) }, View(_peers), _effects, new Random(3));

    [Fact]
    public void Gossip_Start_TrainsAndArmsFirstTickWithinOnePeriod()
    {
        Gossip().Start(Model(0, 0));

        Assert.Single(_effects.TrainingStarts);
        var delay = _effects.PendingTimers[new TimerKey(TimerKind.GossipPeriod, 0)];
        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Gossip_Tick_PushesCurrentModelToOneOtherPeerAndRearms()
    {
        var node = Gossip();
        node.Start(Model(0, 0));
        node.TrainingCompleted(1, Model(1, 1, age: 5), 5);
        _effects.ClearRecorded();

        node.TimerFired(new TimerKey(TimerKind.GossipPeriod, 0));

        var (to, pushed) = Assert.Single(_effects.SentOf<TrainedModel>());
        Assert.NotEqual(_peers[0], to);
        Assert.Same(node.Model, pushed.Model.DecodeWhole());
        Assert.Equal(1, Assert.Single(_effects.ObservedOf(ObservationKind.Aggregated)).Round);
        Assert.Equal(TimeSpan.FromSeconds(60), _effects.PendingTimers[new TimerKey(TimerKind.GossipPeriod, 0)]);
    }

    [Fact]
    public void Gossip_ReceiveWhileIdle_MergesWeightedByAgeThenTrains()
    {
        var node = Gossip();
        node.Start(Model(0, 0));
        node.TrainingCompleted(1, Model(0, 0, age: 30), 30);

        node.Receive(_peers[2], new TrainedModel(1, Model(4, 8, age: 10), 0, ViewUpdate.Empty(0)));

        var (_, start) = _effects.TrainingStarts[^1];
        Assert.Equal([1f, 2f], start.Parameters);
        Assert.Equal(30, start.SamplesTrained);
    }

    [Fact]
    public void Gossip_ReceiveWhileTraining_MergesAfterTrainingFinishes()
    {
        var node = Gossip();
        node.Start(Model(0, 0));
        node.Receive(_peers[2], new TrainedModel(1, Model(2, 2, age: 10), 0, ViewUpdate.Empty(0)));
        Assert.Single(_effects.TrainingStarts);

        node.TrainingCompleted(1, Model(0, 0, age: 10), 10);

        Assert.Equal(2, _effects.TrainingStarts.Count);
        Assert.Equal([1f, 1f], _effects.TrainingStarts[^1].Start.Parameters);
    }

    [Fact]
    public void Epidemic_Trained_SendsToFanoutDistinctOtherPeers()
    {
        var node = Epidemic(fanout: 3);
        node.Start(Model(0, 0));

        node.TrainingCompleted(1, Model(1, 1), 10);

        var targets = _effects.SentOf<TrainedModel>().Select(s => s.To).ToList();
        Assert.Equal(3, targets.Distinct().Count());
        Assert.DoesNotContain(_peers[0], targets);
    }

    [Fact]
    public void Epidemic_FanoutModelsReceived_AveragesOwnAndReceivedEqually()
    {
        var node = Epidemic(fanout: 2);
        node.Start(Model(0, 0));
        node.Receive(_peers[3], new TrainedModel(1, Model(3, 0), 10, ViewUpdate.Empty(0)));
        node.TrainingCompleted(1, Model(0, 3), 10);
        Assert.Empty(_effects.ObservedOf(ObservationKind.Aggregated));

        node.Receive(_peers[4], new TrainedModel(1, Model(3, 3), 10, ViewUpdate.Empty(0)));

        var aggregated = Assert.Single(_effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal([2f, 2f], aggregated.Model!.Parameters);
        Assert.Equal(2, node.Round);
        Assert.Equal(0, node.Received);
    }

    [Fact]
    public void Epidemic_WaitExpires_AveragesWhatArrived()
    {
        var node = Epidemic(fanout: 3);
        node.Start(Model(0, 0));
        node.TrainingCompleted(1, Model(2, 2), 10);
        node.Receive(_peers[1], new TrainedModel(1, Model(4, 4), 10, ViewUpdate.Empty(0)));

        node.TimerFired(new TimerKey(TimerKind.RoundTimeout, 1));

        var aggregated = Assert.Single(_effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal(2, aggregated.Count);
        Assert.Equal([3f, 3f], aggregated.Model!.Parameters);
    }
}
