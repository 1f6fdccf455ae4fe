using Decentral.Core.Tests.TestKit;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

/// <summary>A graceful leave: what the node hands on as it leaves, and what it still passes on after.</summary>
public sealed class ModestNodeLeaveTests
{
    [Fact]
    public void Leave_Running_AdvertsLeaveToFanoutDistinctPeersAndStops()
    {
        var (f, _, aggregator) = ModestNodeTrainerTests.SentToAggregator();
        f.Effects.ClearRecorded();

        f.Node.Leave();

        var adverts = f.Effects.SentOf<Advert>();
        Assert.Equal(f.Options.AdvertFanoutFactor * f.Options.SampleSize, adverts.Select(a => a.To).Distinct().Count());
        Assert.Equal(adverts.Count, f.Effects.Sent.Count);
        Assert.DoesNotContain(adverts, a => a.To == f.Self);
        Assert.All(adverts, a => Assert.Equal(new PeerRecord(f.Self, f.Node.RoundEstimate, 2, MembershipStatus.Leave), a.Message.Record));
        Assert.False(f.Node.IsRunning);
        Assert.Empty(f.Effects.PendingTimers);
        Assert.True(f.View.TryGet(f.Self, out var own));
        Assert.Equal(MembershipStatus.Leave, own.Status);

        f.Node.Receive(aggregator, new Ping(1, 1, 1));
        f.Node.TimerFired(new TimerKey(TimerKind.AckTimeout, 1));
        Assert.Equal(adverts.Count, f.Effects.Sent.Count);
    }

    [Fact]
    public void Leave_WhileTraining_CancelsTraining()
    {
        var (f, k, _) = ModestNodeTrainerTests.TrainingNode();

        f.Node.Leave();

        Assert.Equal([k], f.Effects.TrainingCancels);
    }

    [Fact]
    public void Leave_WhileTraining_HandsTheAggregateToThePeerAfterTheSample()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) is >= 1 and < 5, from: 3);
        f.DeliverAggregate(f.Other(k, 0), k, value: 3);
        Assert.Equal(k, Assert.Single(f.Effects.TrainingStarts).Round);
        f.Effects.ClearRecorded();

        f.Node.Leave();

        // Every founder is live in this view, so the sample of k is the first s of its order.
        var (to, handed) = Assert.Single(f.Effects.SentOf<AggregatedModel>());
        Assert.Equal(f.OrderOf(k)[f.Options.SampleSize], to);
        Assert.Equal(k, handed.Round);
        Assert.All(handed.Model.DecodeWhole().Parameters, p => Assert.Equal(3f, p));
        Assert.Contains(handed.View.Records, r => r.Peer == f.Self && r.Status == MembershipStatus.Leave);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerReplaced));
        Assert.Equal([k], f.Effects.TrainingCancels);
    }

    [Fact]
    public void Training_AnotherLeaverOfTheSampleHandsItsPlaceHere_PassedOnToThePeerAfterTheSample()
    {
        var (f, k) = TrainingFirstOfItsSample();
        var order = f.OrderOf(k);
        var s = f.Options.SampleSize;

        HandOff(f, order[1], k);
        HandOff(f, order[3], k);

        // The first leaver's place goes to the first peer after the sample without it; the second
        // leaver's to the next one, not to the same peer again.
        var passed = f.Effects.SentOf<AggregatedModel>();
        Assert.Equal([order[s + 1], order[s + 2]], passed.Select(p => p.To));
        Assert.All(passed, p => Assert.Equal(k, p.Message.Round));
        Assert.All(passed.SelectMany(p => p.Message.Model.DecodeWhole().Parameters), v => Assert.Equal(5f, v));
        Assert.Equal(2, f.Effects.ObservedOf(ObservationKind.TrainerReplaced).Count);
        Assert.Empty(f.Effects.TrainingCancels);
    }

    [Fact]
    public void Training_TheRoundsAggregateAgainFromALivePeer_IsIgnoredNotPassedOn()
    {
        var (f, k) = TrainingFirstOfItsSample();

        f.DeliverAggregate(f.OrderOf(k)[1], k, value: 5);

        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Single(f.Effects.ObservedOf(ObservationKind.StaleIgnored));
    }

    // A node training round k as the first peer of its order (the aggregate came from the third);
    // k stays within the inactivity threshold, so every founder is live.
    private static (NodeFixture F, long K) TrainingFirstOfItsSample()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 5)[0]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) == 0, from: 3);
        f.DeliverAggregate(f.OrderOf(k)[2], k, value: 3);
        Assert.Equal(k, Assert.Single(f.Effects.TrainingStarts).Round);
        f.Effects.ClearRecorded();
        return (f, k);
    }

    // The hand-off of a trainer of round k that leaves: the aggregate, with its LEAVE in the view update.
    private static void HandOff(NodeFixture f, Decentral.Identity.PeerId leaver, long k) =>
        f.Node.Receive(leaver, new AggregatedModel(k, NodeFixture.Model(5), new ViewUpdate([new PeerRecord(leaver, k, 2, MembershipStatus.Leave)], f.View.Digest, false)));

    [Fact]
    public void Leave_TrainedButAggregatorsStillSearched_SendsTheModelToTheFirstLiveAggregators()
    {
        var (f, k, aggregator) = ModestNodeTrainerTests.TrainingNode();
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        Assert.Empty(f.Effects.SentOf<TrainedModel>());
        f.Effects.ClearRecorded();

        f.Node.Leave();

        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal((aggregator, k + 1), (to, sent.Round));
        Assert.All(sent.Model.DecodeWhole().Parameters, p => Assert.Equal(2f, p));
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
    }

    [Fact]
    public void Leave_AsTheAggregatorOfTheRoundItTrainedFor_SendsItsOwnModelToTheNextLiveAggregator()
    {
        var (f, k) = OwnAggregator();
        var trainer = f.OrderOf(k).First(p => p != f.Self);
        f.DeliverTrained(trainer, k + 1, value: 4);
        Assert.Empty(f.Effects.SentOf<TrainedModel>());
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
        f.Effects.ClearRecorded();

        f.Node.Leave();

        // The other contributor is Nacked; its own model, collected without a message, goes on.
        var (nacked, nack) = Assert.Single(f.Effects.SentOf<Ack>());
        Assert.Equal((trainer, k + 1, false), (nacked, nack.Round, nack.Success));
        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(f.OrderOf(k + 1).First(p => p != f.Self), to);
        Assert.Equal((k + 1, 10), (sent.Round, sent.SampleCount));
        Assert.All(sent.Model.DecodeWhole().Parameters, p => Assert.Equal(2f, p));
        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));

        // That aggregator leaves too and Nacks it: the one after it gets it.
        f.Node.Receive(to, new Ack(k + 1, Success: false));
        Assert.Equal(f.OrderOf(k + 1).First(p => p != f.Self && p != to), f.Effects.SentOf<TrainedModel>()[^1].To);
    }

    [Fact]
    public void Leave_AggregatedWhileItsSampleIsSearched_NacksTheOthersAndSendsItsOwnModelOn()
    {
        var (f, k) = OwnAggregator();
        f.Effects.ClearRecorded();

        // With its own, the success threshold's models: aggregated, and the sample's pings go out
        // unanswered, so neither the aggregate nor the Acks (which leave with it) are sent yet.
        var trainers = f.OrderOf(k).Where(p => p != f.Self).Take(f.Options.SuccessThreshold - 1).ToArray();
        foreach (var trainer in trainers)
        {
            f.DeliverTrained(trainer, k + 1, value: 4);
        }

        Assert.NotEmpty(f.Effects.SentOf<Ping>());
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Empty(f.Effects.SentOf<Ack>());
        f.DeliverTrained(f.OrderOf(k).First(p => p != f.Self && !trainers.Contains(p)), k + 1, value: 4);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.StaleIgnored));
        f.Effects.ClearRecorded();

        f.Node.Leave();

        var nacks = f.Effects.SentOf<Ack>();
        Assert.Equal(trainers.Order(), nacks.Select(n => n.To).Order());
        Assert.All(nacks, n => Assert.Equal((k + 1, false), (n.Message.Round, n.Message.Success)));
        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(f.OrderOf(k + 1).First(p => p != f.Self), to);
        Assert.All(sent.Model.DecodeWhole().Parameters, p => Assert.Equal(2f, p));
    }

    [Fact]
    public void AfterLeave_AnAggregateThatStillArrives_GoesToTheFirstPeerAfterTheSampleOtherThanItsSender()
    {
        var f = LeftNode();
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) > f.Options.SampleSize + 1, from: 3);
        // The sender (a trainer leaving at the same moment) picked this node; it stands right after the sample.
        var sender = f.OrderOf(k)[f.Options.SampleSize];

        f.DeliverAggregate(sender, k, value: 4);
        f.DeliverAggregate(sender, k, value: 4);

        // Every founder is live in this view: the first peer after the sample is the sender, so the next one.
        var (to, passed) = Assert.Single(f.Effects.SentOf<AggregatedModel>());
        Assert.Equal(f.OrderOf(k)[f.Options.SampleSize + 1], to);
        Assert.Equal(k, passed.Round);
        Assert.All(passed.Model.DecodeWhole().Parameters, p => Assert.Equal(4f, p));
        Assert.Contains(passed.View.Records, r => r.Peer == f.Self && r.Status == MembershipStatus.Leave);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerReplaced));
        Assert.Empty(f.Effects.TrainingStarts);
        Assert.False(f.Node.IsRunning);
    }

    [Fact]
    public void AfterLeave_ATrainedModelThatStillArrives_IsNackedAndNotAggregated()
    {
        var f = LeftNode();
        var trainer = f.Peers.First(p => p != f.Self);

        f.DeliverTrained(trainer, 5);

        var (to, ack) = Assert.Single(f.Effects.SentOf<Ack>());
        Assert.Equal((trainer, 5L, false), (to, ack.Round, ack.Success));
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
    }

    [Fact]
    public void AfterLeave_ANackForTheModelItHadSent_SendsItToTheNextLiveAggregator()
    {
        var (f, k, aggregator) = TrainedAndSent();
        Assert.Equal(aggregator, Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        f.Node.Leave();
        f.Effects.ClearRecorded();

        // The aggregator leaves at the same moment and Nacks what it collected; twice, as a resend would.
        f.Node.Receive(aggregator, new Ack(k + 1, Success: false));
        f.Node.Receive(aggregator, new Ack(k + 1, Success: false));

        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(f.OrderOf(k + 1).First(p => p != f.Self && p != aggregator), to);
        Assert.Equal(k + 1, sent.Round);
        Assert.All(sent.Model.DecodeWhole().Parameters, p => Assert.Equal(2f, p));
    }

    [Fact]
    public void AfterLeave_ANackForTheModelItSentWhileLeaving_SendsItToTheNextLiveAggregator()
    {
        var (f, k, aggregator) = ModestNodeTrainerTests.TrainingNode();
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.Node.Leave();
        Assert.Equal(aggregator, Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        f.Effects.ClearRecorded();

        f.Node.Receive(aggregator, new Ack(k + 1, Success: false));

        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(f.OrderOf(k + 1).First(p => p != f.Self && p != aggregator), to);
        Assert.Equal(k + 1, sent.Round);
    }

    [Fact]
    public void AfterLeave_AnAckForTheModelItHadSent_SendsNothing()
    {
        var (f, k, aggregator) = TrainedAndSent();
        f.Node.Leave();
        f.Effects.ClearRecorded();

        f.Node.Receive(aggregator, new Ack(k + 1, Success: true));

        Assert.Empty(f.Effects.Sent);
    }

    [Fact]
    public void NeverStarted_AModelMessage_IsDroppedWithoutAnswer()
    {
        var f = new NodeFixture();

        f.DeliverAggregate(f.Peers.First(p => p != f.Self), 5);
        f.DeliverTrained(f.Peers.First(p => p != f.Self), 5);

        Assert.Empty(f.Effects.Sent);
        Assert.False(f.Node.HasLeft);
    }

    [Fact]
    public void Join_AfterLeave_TrainsAnAggregateAgainInsteadOfPassingItOn()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        f.Node.Leave();
        f.Node.Join();
        f.Effects.ClearRecorded();

        f.DeliverAggregate(f.Other(3, 0), 3);

        Assert.False(f.Node.HasLeft);
        Assert.Equal(3, Assert.Single(f.Effects.TrainingStarts).Round);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainerReplaced));
    }

    // A trainer of round k that is round k + 1's aggregator: its own model (of 2s, 10 samples) collected.
    private static (NodeFixture F, long K) OwnAggregator()
    {
        var f = new NodeFixture();
        var k = f.StartTraining(next => next[0] == f.Self);
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
        return (f, k);
    }

    // A founder that started and left, with nothing recorded yet.
    private static NodeFixture LeftNode()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        f.Node.Leave();
        f.Effects.ClearRecorded();
        return f;
    }

    // A trainer of round k that trained and sent its model (of 2s) to round k + 1's aggregator.
    private static (NodeFixture F, long K, Decentral.Identity.PeerId Aggregator) TrainedAndSent()
    {
        var (f, k, aggregator) = ModestNodeTrainerTests.TrainingNode();
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
        return (f, k, aggregator);
    }
}
