using Decentral.Baselines;
using Decentral.Core.Tests.TestKit;
using Decentral.Protocol;
using static Decentral.Core.Tests.Baselines.BaselineFixture;

namespace Decentral.Core.Tests.Baselines;

public sealed class FedAvgNodeTests
{
    private readonly Identity.PeerId[] _peers = Peers(6);
    private readonly RecordingEffects _effects = new();

    private FedAvgNode Node(int self, int sampleSize = 3) =>
        new(_peers[self], _peers[0], _peers, sampleSize, new FedAvgOptions { RoundTimeout = TimeSpan.FromSeconds(30), MinModels = 2 }, View(_peers), _effects, new Random(1));

    [Fact]
    public void Server_Start_SendsGlobalModelToSampleSizeDistinctClientsAndArmsTimeout()
    {
        var server = Node(0);

        server.Start(Model(1, 1));

        var sent = _effects.SentOf<AggregatedModel>();
        Assert.Equal(3, sent.Select(s => s.To).Distinct().Count());
        Assert.DoesNotContain(_peers[0], sent.Select(s => s.To));
        Assert.All(sent, s => Assert.Equal(1, s.Message.Round));
        Assert.Equal(TimeSpan.FromSeconds(30), _effects.PendingTimers[new TimerKey(TimerKind.RoundTimeout, 1)]);
        Assert.Empty(_effects.TrainingStarts);
    }

    [Fact]
    public void Server_AllSampledModelsArrive_AveragesBySampleCountAndStartsNextRound()
    {
        var server = Node(0, sampleSize: 2);
        server.Start(Model(0, 0));
        var sampled = server.Sampled.ToArray();
        _effects.ClearRecorded();

        server.Receive(sampled[0], new TrainedModel(1, Model(1, 0), 1, ViewUpdate.Empty(0)));
        Assert.Empty(_effects.ObservedOf(ObservationKind.Aggregated));
        server.Receive(sampled[1], new TrainedModel(1, Model(4, 3), 2, ViewUpdate.Empty(0)));

        var aggregated = Assert.Single(_effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal(1, aggregated.Round);
        Assert.Equal([3f, 2f], aggregated.Model!.Parameters);
        Assert.Equal(2, server.Round);
        Assert.All(_effects.SentOf<AggregatedModel>(), s => Assert.Same(aggregated.Model, s.Message.Model.DecodeWhole()));
    }

    [Fact]
    public void Server_TimeoutWithTooFewModels_ResamplesSameRound()
    {
        var server = Node(0);
        server.Start(Model(0, 0));
        server.Receive(server.Sampled[0], new TrainedModel(1, Model(1, 1), 1, ViewUpdate.Empty(0)));
        _effects.ClearRecorded();

        server.TimerFired(new TimerKey(TimerKind.RoundTimeout, 1));

        Assert.Single(_effects.ObservedOf(ObservationKind.AggregationDropped));
        Assert.Equal(1, server.Round);
        Assert.Equal(3, _effects.SentOf<AggregatedModel>().Count);
    }

    [Fact]
    public void Server_SendToClientFails_DropsClientAndSamplesReplacement()
    {
        var server = Node(0);
        server.Start(Model(0, 0));
        var gone = server.Sampled[0];
        _effects.ClearRecorded();

        server.SendFailed(gone, new AggregatedModel(1, Model(0, 0), ViewUpdate.Empty(0)));

        Assert.DoesNotContain(gone, server.Clients);
        var replacement = Assert.Single(_effects.SentOf<AggregatedModel>());
        Assert.NotEqual(gone, replacement.To);
        Assert.Equal(3, server.Sampled.Count);
    }

    [Fact]
    public void Client_ReceivesGlobalModel_TrainsAndReturnsItToServer()
    {
        var client = Node(2);
        client.Start(Model(0, 0));
        var global = Model(5, 5);

        client.Receive(_peers[0], new AggregatedModel(7, global, ViewUpdate.Empty(0)));
        client.TrainingCompleted(7, Model(6, 6), 20);

        Assert.Equal((7L, global), Assert.Single(_effects.TrainingStarts));
        var (to, trained) = Assert.Single(_effects.SentOf<TrainedModel>());
        Assert.Equal(_peers[0], to);
        Assert.Equal(7, trained.Round);
        Assert.Equal(20, trained.SampleCount);
    }
}
