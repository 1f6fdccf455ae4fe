using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestNodeFailoverTests
{
    [Fact]
    public void Nack_BothOfTwoAggregators_FailsOverToTwoDistinctNextAggregators()
    {
        var (f, k) = SentToTwoAggregators();
        f.Effects.ClearRecorded();

        f.Node.Receive(f.Other(k + 1, 0), new Ack(k + 1, Success: false));
        f.Node.Receive(f.Other(k + 1, 1), new Ack(k + 1, Success: false));
        f.AnswerPings();

        var targets = f.Effects.SentOf<TrainedModel>().Select(t => t.To).ToList();
        Assert.Equal(new[] { f.Other(k + 1, 2), f.Other(k + 1, 3) }.Order(), targets.Order());
        Assert.Equal(2, f.Effects.ObservedOf(ObservationKind.AggregatorFailover).Count);
    }

    [Fact]
    public void Ack_FromBothReplacementAggregators_ReleasesTrainerWithoutMarkingThemLeave()
    {
        var (f, k) = SentToTwoAggregators();
        f.Node.Receive(f.Other(k + 1, 0), new Ack(k + 1, Success: false));
        f.Node.Receive(f.Other(k + 1, 1), new Ack(k + 1, Success: false));
        f.AnswerPings();

        foreach (var target in f.Effects.SentOf<TrainedModel>().Skip(2).Select(t => t.To).Distinct())
        {
            f.Node.Receive(target, new Ack(k + 1, Success: true));
        }

        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AckTimeout);
        Assert.All([f.Other(k + 1, 2), f.Other(k + 1, 3)], p => Assert.True(f.View.IsActive(p, k + 1, f.Options.InactivityThreshold)));
    }

    [Fact]
    public void Nack_FromItselfAsAggregator_FailsOverWithoutMarkingItselfLeave()
    {
        // A long inactivity threshold keeps every founder active whatever round k turns out to be.
        var options = NodeFixture.SmallOptions();
        options.InactivityThreshold = 100_000;
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => next[0] == f.Self);
        f.Node.TrainingCompleted(k, NodeFixture.Model(1), 10);
        Assert.Empty(f.Effects.SentOf<TrainedModel>());

        // Its own round gets one model of the MinModels = 2 needed: dropped, and it Nacks itself.
        f.Fire(TimerKind.AggregationTimeout);
        f.AnswerPings();

        Assert.True(f.View.TryGet(f.Self, out var own));
        Assert.Equal(MembershipStatus.Join, own.Status);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        Assert.Equal(f.Other(k + 1, 0), Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        Assert.All(f.Effects.SentOf<TrainedModel>(), t => Assert.Contains(t.Message.View.Records, r => r.Peer == f.Self && r.Status == MembershipStatus.Join));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SendFailed_PingToTheFirstAggregator_FailFastPingsTheNextAtOnceElseWaits(bool failFast)
    {
        var options = NodeFixture.SmallOptions();
        options.PingFailFast = failFast;
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => Array.IndexOf(next, f.Self) >= 3);
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        var first = f.Other(k + 1, 0);
        var ping = Assert.Single(f.Effects.SentOf<Ping>(), p => p.To == first).Message;

        f.Node.SendFailed(first, ping);
        f.AnswerPings(peer => peer != first);

        // Fail fast: the next candidate was pinged, answered and got the model, no timer fired.
        // Otherwise the first stays a candidate until its ping timeout, so nothing is sent yet.
        var sent = f.Effects.SentOf<TrainedModel>().Select(t => t.To).ToList();
        Assert.Equal(failFast ? [f.Other(k + 1, 1)] : [], sent);
    }

    [Fact]
    public void SendFailed_PingOrAck_IsNotRetried()
    {
        var (f, k, aggregator) = ModestNodeTrainerTests.SentToAggregator();

        f.Node.SendFailed(aggregator, new Ping(1, k, 1));
        f.Node.SendFailed(aggregator, new Ack(k, true));

        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.SendRetry);
    }

    [Fact]
    public void SendRetry_AggregatedModelOvertakenByNewerRound_IsNotResent()
    {
        var (f, k) = ModestNodeAggregatorTests.AggregatedRound();
        var (to, message) = f.Effects.SentOf<AggregatedModel>()[1];
        f.Node.SendFailed(to, message);
        f.DeliverAggregate(f.Other(k + 1, 0), k + 1);
        f.Effects.ClearRecorded();

        f.Fire(TimerKind.SendRetry);

        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
    }

    [Fact]
    public void AggregatorCheck_TheAwaitedAggregatorIsSilent_FailsOverToTheNextBeforeTheAckTimeout()
    {
        // The aggregator got the model and then crashed: no Ack is coming (Acks follow the aggregation).
        var (f, k, aggregator) = CheckingTrainer();

        f.Fire(TimerKind.AggregatorCheck);
        Assert.Equal(aggregator, Assert.Single(f.Effects.SentOf<Ping>()).To);
        f.ExhaustSearches(alive: p => p != aggregator);

        Assert.Equal(f.Other(k + 1, 1), Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        Assert.Equal(k + 1, Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorSilent)).Round);
        Assert.False(f.View.IsActive(aggregator, k + 1, f.Options.InactivityThreshold));
        Assert.Equal(f.Options.AggregatorCheckInterval, f.Effects.PendingTimers[new TimerKey(TimerKind.AggregatorCheck, k + 1)]);
    }

    [Fact]
    public void AggregatorCheck_TheAwaitedAggregatorAnswers_KeepsWaitingAndChecksAgainUntilItAcks()
    {
        var (f, k, aggregator) = CheckingTrainer();

        f.Fire(TimerKind.AggregatorCheck);
        f.AnswerPings();

        Assert.Empty(f.Effects.SentOf<TrainedModel>());
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.AggregatorFailover));
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.AggregatorSilent));
        Assert.Equal(f.Options.AggregatorCheckInterval, f.Effects.PendingTimers[new TimerKey(TimerKind.AggregatorCheck, k + 1)]);
        f.Node.Receive(aggregator, new Ack(k + 1, Success: true));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind is TimerKind.AggregatorCheck or TimerKind.AckTimeout);
    }

    [Fact]
    public void AggregatorCheck_TheAwaitedAggregatorAnswersRestarted_FailsOverWithoutMarkingItLeave()
    {
        // It crashed after the model reached it and came back at once: it answers, with the higher
        // membership index a restart takes, and holds no collection of the round any more.
        var (f, k, aggregator) = CheckingTrainer();

        f.Fire(TimerKind.AggregatorCheck);
        f.AnswerPings(membershipIndex: p => p == aggregator ? 2 : 1);
        f.AnswerPings();

        Assert.Equal(f.Other(k + 1, 1), Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        Assert.Equal(k + 1, Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatorRestarted)).Round);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.AggregatorSilent));
        Assert.True(f.View.IsActive(aggregator, k + 1, f.Options.InactivityThreshold));
        Assert.True(f.View.TryGet(aggregator, out var record));
        Assert.Equal((2L, MembershipStatus.Join), (record.MembershipIndex, record.Status));
    }

    [Fact]
    public void AggregatorCheck_Off_ArmsNoTimer()
    {
        var (f, _, _) = ModestNodeTrainerTests.SentToAggregator();

        Assert.Equal(TimeSpan.Zero, f.Options.AggregatorCheckInterval);
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AggregatorCheck);
    }

    // A trainer of round k (aggregator checks on, every 5 s) that sent its model to the first
    // aggregator of k+1 and waits for its Ack; the recorded effects are cleared.
    private static (NodeFixture F, long K, PeerId Aggregator) CheckingTrainer()
    {
        var options = NodeFixture.SmallOptions();
        options.AggregatorCheckInterval = TimeSpan.FromSeconds(5);
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => Array.IndexOf(next, f.Self) >= 3);
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
        var aggregator = f.Other(k + 1, 0);
        Assert.Equal(aggregator, Assert.Single(f.Effects.SentOf<TrainedModel>()).To);
        Assert.Equal(options.AggregatorCheckInterval, f.Effects.PendingTimers[new TimerKey(TimerKind.AggregatorCheck, k + 1)]);
        f.Effects.ClearRecorded();
        return (f, k, aggregator);
    }

    // A node that trained round k and sent to the two aggregators of k+1 (a = 2), none of them itself.
    private static (NodeFixture F, long K) SentToTwoAggregators()
    {
        var options = NodeFixture.SmallOptions();
        options.Aggregators = 2;
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => Array.IndexOf(next, f.Self) >= 6);
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.AnswerPings();
        PeerId[] expected = [f.Other(k + 1, 0), f.Other(k + 1, 1)];
        Assert.Equal(expected.Order(), f.Effects.SentOf<TrainedModel>().Select(t => t.To).Order());
        return (f, k);
    }
}
