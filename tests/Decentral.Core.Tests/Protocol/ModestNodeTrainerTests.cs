using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestNodeTrainerTests
{
    [Fact]
    public void Start_SelfAmongFirstSOfOrder1_TrainsRound1FromInitialModel()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 1)[4]);
        var initial = NodeFixture.Model(0.5f);

        f.Node.Start(initial);

        var (round, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(1, round);
        Assert.Same(initial, start);
        Assert.Equal(1, f.Node.TrainEstimate);
        Assert.Contains(f.Effects.Observations, o => o.Kind == ObservationKind.TrainingStarted && o.Round == 1);
        Assert.Empty(f.Effects.Sent);
    }

    [Fact]
    public void Start_SelfBeyondFirstSOfOrder1_StaysIdle()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 1)[5]);

        f.Node.Start(NodeFixture.Model(0));

        Assert.Empty(f.Effects.TrainingStarts);
        Assert.True(f.Node.IsRunning);
        Assert.Equal(0, f.Node.TrainEstimate);
    }

    [Fact]
    public void Start_EarlierPeerLeft_SelfMovesIntoRound1Sample()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 1)[5]);
        f.View.MarkLeave(f.OrderOf(1)[0]);

        f.Node.Start(NodeFixture.Model(0));

        Assert.Equal(1, Assert.Single(f.Effects.TrainingStarts).Round);
    }

    [Fact]
    public void TrainingCompleted_AggregatorAnswersPing_SendsTrainedModelAndSetsAckTimeout()
    {
        var (f, k, aggregator) = TrainingNode();
        var trained = NodeFixture.Model(2);

        f.Node.TrainingCompleted(k, trained, 17);

        var (pinged, _) = Assert.Single(f.Effects.SentOf<Ping>());
        Assert.Equal(aggregator, pinged);
        Assert.Empty(f.Effects.SentOf<TrainedModel>());
        f.AnswerPings();
        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(aggregator, to);
        Assert.Equal(k + 1, sent.Round);
        Assert.Same(trained, sent.Model.DecodeWhole());
        Assert.Equal(17, sent.SampleCount);
        Assert.Equal(f.Options.AckTimeout, f.Effects.PendingTimers[new TimerKey(TimerKind.AckTimeout, k + 1)]);
        Assert.Contains(f.Effects.Observations, o => o.Kind == ObservationKind.TrainingSent && o.Round == k + 1);
    }

    [Fact]
    public void Ack_Success_CancelsAckTimeoutWithoutFailover()
    {
        var (f, k, aggregator) = SentToAggregator();

        f.Node.Receive(aggregator, new Ack(k + 1, Success: true));

        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AckTimeout);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        Assert.True(f.View.IsActive(aggregator, k + 1, f.Options.InactivityThreshold));
    }

    [Fact]
    public void Ack_Nack_MarksAggregatorLeaveAndSendsToNextOfOrder()
    {
        var (f, k, aggregator) = SentToAggregator();
        f.Effects.ClearRecorded();

        f.Node.Receive(aggregator, new Ack(k + 1, Success: false));
        f.AnswerPings();

        Assert.True(f.View.TryGet(aggregator, out var record));
        Assert.Equal(MembershipStatus.Leave, record.Status);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        var (to, sent) = Assert.Single(f.Effects.SentOf<TrainedModel>());
        Assert.Equal(f.Other(k + 1, 1), to);
        Assert.Equal(k + 1, sent.Round);
    }

    [Fact]
    public void Ack_FromPeerNotAwaitedOrOtherRound_IsIgnored()
    {
        var (f, k, aggregator) = SentToAggregator();
        f.Effects.ClearRecorded();

        f.Node.Receive(f.Other(k + 1, 5), new Ack(k + 1, Success: false));
        f.Node.Receive(aggregator, new Ack(k, Success: false));

        Assert.Empty(f.Effects.Sent);
        Assert.Contains(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AckTimeout);
    }

    [Fact]
    public void AckTimeout_Fires_FailsOverToNextAggregatorExcludingTried()
    {
        var (f, k, aggregator) = SentToAggregator();
        f.Effects.ClearRecorded();

        f.Fire(TimerKind.AckTimeout);
        f.AnswerPings();

        Assert.DoesNotContain(f.Effects.Sent, s => s.To == aggregator);
        Assert.Equal(f.Other(k + 1, 1), Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));

        // The second aggregator stays silent too: the third one gets it.
        f.Effects.ClearRecorded();
        f.Fire(TimerKind.AckTimeout);
        f.AnswerPings();
        Assert.Equal(f.Other(k + 1, 2), Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
    }

    [Fact]
    public void SendFailed_TrainedModel_RetriedAfterSendRetryThenFailsOverAfterMaxRetries()
    {
        var (f, k, aggregator) = SentToAggregator();
        var message = Assert.Single(f.Effects.SentOf<TrainedModel>()).Message;
        f.Effects.ClearRecorded();

        for (var retry = 1; retry <= f.Options.MaxSendRetries; retry++)
        {
            f.Node.SendFailed(aggregator, message);
            Assert.Equal(f.Options.SendRetry, f.Effects.PendingTimers[f.Effects.PendingTimer(TimerKind.SendRetry)]);
            f.Fire(TimerKind.SendRetry);
            Assert.Equal(retry, f.Effects.Sent.Count(s => s.To == aggregator && ReferenceEquals(s.Message, message)));
        }

        Assert.Empty(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        f.Node.SendFailed(aggregator, message);
        f.Fire(TimerKind.SendRetry);
        f.AnswerPings();

        Assert.Equal(f.Options.MaxSendRetries, f.Effects.Sent.Count(s => ReferenceEquals(s.Message, message)));
        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        Assert.Equal(f.Other(k + 1, 1), f.Effects.SentOf<TrainedModel>()[^1].To);
    }

    [Fact]
    public void SendRetry_AfterAckArrived_DoesNotResend()
    {
        var (f, k, aggregator) = SentToAggregator();
        var message = Assert.Single(f.Effects.SentOf<TrainedModel>()).Message;
        f.Node.SendFailed(aggregator, message);
        f.Node.Receive(aggregator, new Ack(k + 1, Success: true));
        f.Effects.ClearRecorded();

        f.Fire(TimerKind.SendRetry);

        Assert.Empty(f.Effects.Sent);
    }

    [Fact]
    public void AggregatedModel_NewerRoundWhileTraining_CancelsTrainingAndTrainsNewer()
    {
        var (f, k, _) = TrainingNode();
        var newer = NodeFixture.Model(9);

        f.Node.Receive(f.Other(k + 1, 0), new AggregatedModel(k + 1, newer, f.NoNews()));
        f.Node.TrainingCompleted(k, NodeFixture.Model(3), 10);

        Assert.Equal([k], f.Effects.TrainingCancels);
        Assert.Equal((k + 1, newer), f.Effects.TrainingStarts[^1]);
        Assert.Equal(k + 1, f.Node.TrainEstimate);
        Assert.Empty(f.Effects.SentOf<Ping>());
    }

    [Fact]
    public void AggregatedModel_SameRoundTwice_TrainsOnce()
    {
        var (f, k, _) = TrainingNode();

        f.DeliverAggregate(f.Other(k, 1), k);
        f.Node.TrainingCompleted(k, NodeFixture.Model(3), 10);
        f.DeliverAggregate(f.Other(k, 2), k);

        Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(2, f.Effects.ObservedOf(ObservationKind.StaleIgnored).Count);
    }

    [Fact]
    public void AggregatedModel_OlderRound_IsIgnored()
    {
        var (f, k, _) = TrainingNode();

        f.DeliverAggregate(f.Other(k, 1), k - 1);

        Assert.Single(f.Effects.TrainingStarts);
        Assert.Empty(f.Effects.TrainingCancels);
        Assert.Equal(k, f.Node.TrainEstimate);
    }

    [Fact]
    public void AggregatedModel_ForRoundTrainerSentTo_ReleasesTrainerWithoutFailover()
    {
        var (f, k, _) = SentToAggregator();

        f.DeliverAggregate(f.Other(k + 1, 3), k + 1);

        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AckTimeout);
        Assert.Equal(k + 1, f.Effects.TrainingStarts[^1].Round);
    }

    [Fact]
    public void TrainingCompleted_WrongRoundOrNotTraining_IsIgnored()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));

        f.Node.TrainingCompleted(1, NodeFixture.Model(1), 10);

        Assert.Empty(f.Effects.Sent);
        Assert.Equal(0, f.Node.ActiveSearches);
    }

    // A node training round k (received from another peer) whose aggregator of k+1 is another peer.
    internal static (NodeFixture F, long K, PeerId Aggregator) TrainingNode()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => Array.IndexOf(next, f.Self) >= 3);
        Assert.Equal(k, Assert.Single(f.Effects.TrainingStarts).Round);
        return (f, k, f.Other(k + 1, 0));
    }

    // TrainingNode, trained and sent to its (live) aggregator.
    internal static (NodeFixture F, long K, PeerId Aggregator) SentToAggregator()
    {
        var (f, k, aggregator) = TrainingNode();
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
        Assert.Equal(aggregator, Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        return (f, k, aggregator);
    }
}
