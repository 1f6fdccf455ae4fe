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
    public void Ping_Received_AnswersPongWithNonceRoundEstimateIndexAndTrainEstimate()
    {
        var (f, k, _) = ModestNodeTrainerTests.TrainingNode();

        f.Node.Receive(f.Peers[1], new Ping(42, 1, 1));

        // The node trains round k: its round estimate and its train estimate are both k; it has
        // sent no trained model yet.
        Assert.Equal((f.Peers[1], new Pong(42, k, 1, k, 0)), Assert.Single(f.Effects.SentOf<Pong>()));
    }

    [Fact]
    public void Ping_AfterTheTrainedModelWentToAnAggregator_TheOthersHearItsRoundAndTheAggregatorZero()
    {
        var (f, k, aggregator) = ModestNodeTrainerTests.SentToAggregator();
        var other = f.Peers.First(p => p != aggregator && p != f.Self);

        f.Node.Receive(other, new Ping(1, 1, 1));
        f.Node.Receive(aggregator, new Ping(2, 1, 1));
        // Also once the send is over (the aggregator acknowledged).
        f.Node.Receive(aggregator, new Ack(k + 1, Success: true));
        f.Node.Receive(other, new Ping(3, 1, 1));
        f.Node.Receive(aggregator, new Ping(4, 1, 1));

        var sentElsewhere = f.Effects.SentOf<Pong>().Select(p => (p.To, p.Message.Nonce, p.Message.SentElsewhere)).ToArray();
        Assert.Equal([(other, 1L, k + 1), (aggregator, 2L, 0L), (other, 3L, k + 1), (aggregator, 4L, 0L)], sentElsewhere);
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
