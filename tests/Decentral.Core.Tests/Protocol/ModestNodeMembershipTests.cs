using Decentral.Core.Tests.TestKit;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Sampling;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestNodeMembershipTests
{
    private static readonly Decentral.Identity.PeerId Newcomer = TestPeers.Get(500);

    [Fact]
    public void Advert_Join_GoesToPendingAndAppliesAtNextModelSend()
    {
        var (f, k, _) = ModestNodeTrainerTests.TrainingNode();

        f.Node.Receive(Newcomer, new Advert(new PeerRecord(Newcomer, 0, 1, MembershipStatus.Join)));

        Assert.Equal(1, f.Node.PendingJoins);
        Assert.False(f.View.Contains(Newcomer));
        f.Node.TrainingCompleted(k, NodeFixture.Model(1), 10);
        f.AnswerPings();
        Assert.Equal(0, f.Node.PendingJoins);
        Assert.True(f.View.IsActive(Newcomer, k + 1, f.Options.InactivityThreshold));
        var sent = Assert.Single(f.Effects.SentOf<TrainedModel>()).Message;
        Assert.Contains(sent.View.Records, r => r.Peer == Newcomer);
        Assert.Equal(f.View.Digest, sent.View.MembershipDigest);
    }

    [Fact]
    public void Advert_Leave_AppliesAtOnce()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var leaving = f.Peers[3];

        f.Node.Receive(leaving, new Advert(new PeerRecord(leaving, 0, 2, MembershipStatus.Leave)));

        Assert.True(f.View.TryGet(leaving, out var record));
        Assert.Equal((MembershipStatus.Leave, 2L), (record.Status, record.MembershipIndex));
        Assert.Equal(0, f.Node.PendingJoins);
    }

    [Fact]
    public void Advert_AboutAnotherPeer_IsIgnored()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var victim = f.Peers[3];

        f.Node.Receive(f.Peers[4], new Advert(new PeerRecord(victim, 0, 5, MembershipStatus.Leave)));

        Assert.True(f.View.IsActive(victim, 1, f.Options.InactivityThreshold));
        Assert.Single(f.Effects.ObservedOf(ObservationKind.StaleIgnored));
    }

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
    public void AfterLeave_AnAggregateThatStillArrives_GoesToTheFirstPeerAfterTheSampleOtherThanItsSender()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        f.Node.Leave();
        f.Effects.ClearRecorded();
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
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        f.Node.Leave();
        f.Effects.ClearRecorded();
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
        var (f, k, aggregator) = ModestNodeTrainerTests.TrainingNode();
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
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
        var (f, k, aggregator) = ModestNodeTrainerTests.TrainingNode();
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
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

    [Fact]
    public void Join_ReturningPeer_BumpsIndexAndAdvertsJoinToFanoutPeers()
    {
        var f = new NodeFixture(peerCount: 8);

        f.Node.Join();

        Assert.Equal(2, f.Node.MembershipIndex);
        var adverts = f.Effects.SentOf<Advert>();
        Assert.Equal(f.Peers.Where(p => p != f.Self).Order(), adverts.Select(a => a.To).Order());
        Assert.All(adverts, a => Assert.Equal((f.Self, 2L, MembershipStatus.Join), (a.Message.Record.Peer, a.Message.Record.MembershipIndex, a.Message.Record.Status)));
        Assert.True(f.Node.IsRunning);
    }

    [Fact]
    public void Join_NewcomerNotInItsOwnView_AdvertsJoinWithIndexOne()
    {
        var others = TestPeers.Range(6);
        var effects = new RecordingEffects();
        var node = new ModestNode(Newcomer, NodeFixture.SmallOptions(), new MembershipView(TestPeers.FoundersBase(others)), new ViewRoundOrder(), effects, new Random(3));

        node.Join();

        Assert.Equal(others.Order(), effects.SentOf<Advert>().Select(a => a.To).Order());
        Assert.All(effects.SentOf<Advert>(), a => Assert.Equal(new PeerRecord(Newcomer, 0, 1, MembershipStatus.Join), a.Message.Record));
        Assert.True(node.View.IsActive(Newcomer, 1, 20));
    }

    [Fact]
    public void Join_AfterLeave_AdvertsJoinWithIndexAboveTheLeave()
    {
        var f = new NodeFixture(peerCount: 8);
        f.Node.Start(NodeFixture.Model(0));
        f.Node.Leave();
        f.Effects.ClearRecorded();

        f.Node.Join();

        Assert.Equal(3, f.Node.MembershipIndex);
        Assert.All(f.Effects.SentOf<Advert>(), a => Assert.Equal((3L, MembershipStatus.Join), (a.Message.Record.MembershipIndex, a.Message.Record.Status)));
        Assert.True(f.View.TryGet(f.Self, out var own));
        Assert.Equal((3L, MembershipStatus.Join), (own.MembershipIndex, own.Status));
    }

    [Fact]
    public void ModelMessage_DigestMismatch_RequestsViewAtMostOncePerCooldown()
    {
        var (f, k, _) = ModestNodeTrainerTests.TrainingNode();
        var p = f.Other(k, 7);
        var q = f.Other(k, 8);
        var foreignDigest = f.View.Digest ^ 1;

        Mismatch(p, k);
        Mismatch(p, k);
        Mismatch(q, k);
        Assert.Equal([p, q], f.Effects.SentOf<ViewRequest>().Select(r => r.To));
        Assert.Equal(f.View.Digest, f.Effects.SentOf<ViewRequest>()[0].Message.MembershipDigest);
        Assert.Equal(2, f.Effects.ObservedOf(ObservationKind.ViewResync).Count);

        // The cooldown counts rounds of this node's estimate.
        f.DeliverAggregate(q, k + f.Options.ResyncCooldownRounds - 1);
        Mismatch(p, k + f.Options.ResyncCooldownRounds - 1);
        Assert.Equal(2, f.Effects.SentOf<ViewRequest>().Count);
        f.DeliverAggregate(q, k + f.Options.ResyncCooldownRounds);
        Mismatch(p, k + f.Options.ResyncCooldownRounds);
        Assert.Equal(p, f.Effects.SentOf<ViewRequest>()[2].To);

        void Mismatch(Decentral.Identity.PeerId from, long round) =>
            f.Node.Receive(from, new AggregatedModel(round, NodeFixture.Model(1), ViewUpdate.Empty(foreignDigest)));
    }

    [Fact]
    public void ViewRequest_DifferentDigest_AnswersWithFullSnapshot()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        f.View.Merge(TestPeers.Founder(Newcomer));

        f.Node.Receive(f.Peers[2], new ViewRequest(f.View.Digest ^ 5));

        var (to, snapshot) = Assert.Single(f.Effects.SentOf<ViewSnapshot>());
        Assert.Equal(f.Peers[2], to);
        Assert.True(snapshot.View.IsFull);
        Assert.Equal(f.View.Digest, snapshot.View.MembershipDigest);
        Assert.Equal(f.View.Records().OrderBy(r => r.Peer), snapshot.View.Records.OrderBy(r => r.Peer));
    }

    [Fact]
    public void ViewRequest_SameDigest_IsNotAnswered()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));

        f.Node.Receive(f.Peers[2], new ViewRequest(f.View.Digest));

        Assert.Empty(f.Effects.Sent);
    }

    [Fact]
    public void ViewSnapshot_Received_MergesRecordsWithoutAskingBack()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var records = new[] { TestPeers.Founder(Newcomer), new PeerRecord(f.Peers[3], 4, 3, MembershipStatus.Leave) };

        f.Node.Receive(f.Peers[2], new ViewSnapshot(new ViewUpdate(records, 12345, IsFull: true)));

        Assert.True(f.View.Contains(Newcomer));
        Assert.True(f.View.TryGet(f.Peers[3], out var r));
        Assert.Equal(MembershipStatus.Leave, r.Status);
        Assert.Empty(f.Effects.Sent);
    }

    [Fact]
    public void Ping_Received_AnswersPongWithNonceRoundEstimateAndIndex()
    {
        var (f, k, _) = ModestNodeTrainerTests.TrainingNode();

        f.Node.Receive(f.Peers[1], new Ping(42, 1, 1));

        Assert.Equal((f.Peers[1], new Pong(42, k, 1)), Assert.Single(f.Effects.SentOf<Pong>()));
    }

    [Fact]
    public void Ping_HigherIndexFromPeerMarkedLeave_FlipsItBackToJoin()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var returning = f.Peers[6];
        f.View.MarkLeave(returning);

        f.Node.Receive(returning, new Ping(1, 3, 2));

        Assert.True(f.View.TryGet(returning, out var r));
        Assert.Equal(new PeerRecord(returning, 3, 2, MembershipStatus.Join), r);
    }

    [Fact]
    public void ViewUpdate_SaysSelfLeft_NodeTakesHigherIndexAndStaysJoined()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));

        f.Node.Receive(f.Peers[2], new ViewSnapshot(new ViewUpdate([new PeerRecord(f.Self, 0, 1, MembershipStatus.Leave)], 0, true)));

        Assert.Equal(2, f.Node.MembershipIndex);
        Assert.True(f.View.TryGet(f.Self, out var own));
        Assert.Equal((2L, MembershipStatus.Join), (own.MembershipIndex, own.Status));
    }

    [Fact]
    public void BuildUpdate_SecondSendToSamePeer_CarriesOnlyNewChanges()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var to = f.Peers[2];
        f.View.MarkLeave(f.Peers[9]);
        var first = f.Node.BuildUpdate(to);
        Assert.Contains(first.Records, r => r.Peer == f.Peers[9]);

        f.View.MarkLeave(f.Peers[11]);
        var second = f.Node.BuildUpdate(to);

        Assert.Equal([f.Peers[11]], second.Records.Select(r => r.Peer));
        Assert.False(second.IsFull);
        Assert.Equal(f.View.Digest, second.MembershipDigest);
    }

    [Fact]
    public void Receive_BeforeStart_IsIgnored()
    {
        var f = new NodeFixture();

        f.Node.Receive(f.Peers[1], new Ping(1, 0, 1));
        f.DeliverTrained(f.Peers[2], 3);

        Assert.Empty(f.Effects.Sent);
        Assert.Empty(f.Effects.PendingTimers);
    }
}
