using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

/// <summary><see cref="ModestOptions.SearchAhead"/>: liveness searches run while the node trains or collects.</summary>
public sealed class ModestNodeSearchAheadTests
{
    private static ModestOptions Ahead()
    {
        var options = NodeFixture.SmallOptions();
        options.SearchAhead = true;
        return options;
    }

    [Fact]
    public void Trainer_PingsNextAggregatorWhenTrainingStarts_SendsAtCompletionWithoutAnotherSearch()
    {
        var (f, k, aggregator) = Trainer();
        var (pinged, ping) = Assert.Single(f.Effects.SentOf<Ping>());
        Assert.Equal(aggregator, pinged);
        f.AnswerPings();
        Assert.Empty(f.Effects.SentOf<TrainedModel>());

        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);

        Assert.Single(f.Effects.SentOf<Ping>());
        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(aggregator, to);
        Assert.Equal(k + 1, sent.Round);
        Assert.Contains(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AckTimeout);
        Assert.Equal(0, f.Node.ActiveSearches);
        Assert.Equal(1, ping.Nonce);
    }

    [Fact]
    public void Trainer_TrainingFinishesBeforePong_SendsWhenTheSearchCompletes()
    {
        var (f, k, aggregator) = Trainer();

        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);

        Assert.Single(f.Effects.SentOf<Ping>()); // the search under way is reused, not repeated
        Assert.Empty(f.Effects.SentOf<TrainedModel>());
        f.AnswerPings();
        Assert.Equal(aggregator, Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
    }

    [Fact]
    public void Trainer_AggregatorSilentAhead_FallsBackToTheNextLivePeer()
    {
        var (f, k, aggregator) = Trainer();
        f.ExhaustSearches(alive: p => p != aggregator);

        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);

        var (to, _) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(f.Other(k + 1, 1), to);
    }

    [Fact]
    public void Trainer_NewerRoundWhileTraining_DropsTheResultFoundAhead()
    {
        var (f, k, _) = Trainer();
        f.AnswerPings();
        var newer = f.FindRound(next => Array.IndexOf(next, f.Self) >= 3, from: k + 3) - 1;

        f.DeliverAggregate(f.Other(newer, 0), newer);
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10); // superseded: ignored
        f.AnswerPings();
        f.Node.TrainingCompleted(newer, NodeFixture.Model(3), 10);

        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(newer + 1, sent.Round);
        Assert.Equal(f.Other(newer + 1, 0), to);
    }

    [Fact]
    public void Aggregator_PingsSampleAtFirstModel_SendsAggregateAtThreshold()
    {
        var (f, k) = Aggregator();
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);
        var sample = f.OrderOf(k)[..f.Options.SampleSize];

        f.DeliverTrained(contributors[0], k, value: 1);
        Assert.Equal(sample, f.Effects.SentOf<Ping>().Select(p => p.To));
        f.AnswerPings();
        f.DeliverTrained(contributors[1], k, value: 2);
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        f.DeliverTrained(contributors[2], k, value: 3);

        Assert.Equal(sample, f.Effects.SentOf<AggregatedModel>().Select(a => a.To));
        Assert.Equal(sample.Length, f.Effects.SentOf<Ping>().Count);
        Assert.Equal(3, f.Effects.SentOf<Ack>().Count);
    }

    [Fact]
    public void Aggregator_RoundDropped_ResultFoundAheadIsNotUsedLater()
    {
        var (f, k) = Aggregator();
        f.DeliverTrained(ModestNodeAggregatorTests.Contributors(f, k, 1)[0], k);
        f.AnswerPings();

        f.Fire(TimerKind.AggregationTimeout); // one model < MinModels 2: dropped

        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregationDropped));
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Equal(0, f.Node.ActiveSearches);
    }

    private static (NodeFixture F, long K, PeerId Aggregator) Trainer()
    {
        var f = new NodeFixture(options: Ahead(), chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => Array.IndexOf(next, f.Self) >= 3);
        Assert.Equal(k, Assert.Single(f.Effects.TrainingStarts).Round);
        return (f, k, f.Other(k + 1, 0));
    }

    private static (NodeFixture F, long K) Aggregator()
    {
        var f = new NodeFixture(options: Ahead(), chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) >= 8);
        f.Effects.ClearRecorded();
        return (f, k);
    }
}
