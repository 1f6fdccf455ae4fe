using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

/// <summary>How an aggregator keeps a round at s trainers: replacing a sample peer that cannot take the aggregate, moving on from a peer whose LEAVE arrives, Nacking on its own leave, and the trainer check.</summary>
public sealed class ModestNodeSampleRepairTests
{
    [Fact]
    public void SendFailed_AggregatedModel_EveryRetryFails_TheFirstLivePeerOutsideTheSampleTakesItsPlace()
    {
        var (f, k) = ModestNodeAggregatorTests.AggregatedRound();
        var sample = f.OrderOf(k)[..f.Options.SampleSize];
        var (gone, message) = f.Effects.SentOf<AggregatedModel>()[2];
        f.Effects.ClearRecorded();
        for (var attempt = 0; attempt <= f.Options.MaxSendRetries; attempt++)
        {
            f.Node.SendFailed(gone, message);
            f.Fire(TimerKind.SendRetry);
        }

        // Resent MaxSendRetries times (a heap model's message is resent as it is), then given up.
        Assert.Equal(f.Options.MaxSendRetries, f.Effects.SentOf<AggregatedModel>().Count(a => a.To == gone));
        f.AnswerPings();

        // The first candidate outside the sample: nobody in the sample is pinged or sent it again.
        var replacement = f.OrderOf(k).Except(sample).First();
        Assert.Equal(replacement, Assert.Single(f.Effects.SentOf<Ping>()).To);
        var sent = Assert.Single(f.Effects.SentOf<AggregatedModel>(), a => a.To != gone);
        Assert.Equal((replacement, k), (sent.To, sent.Message.Round));
        Assert.All(sent.Message.Model.DecodeWhole().Parameters, p => Assert.Equal(1f, p));
        Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerReplaced));
        Assert.True(f.View.TryGet(gone, out var record));
        Assert.Equal(MembershipStatus.Leave, record.Status);
    }

    [Fact]
    public void SendFailed_AggregatedModel_ReceiverAdvertsLeave_IsReplacedAtTheNextRetryNotResent()
    {
        var (f, k) = ModestNodeAggregatorTests.AggregatedRound();
        var (gone, message) = f.Effects.SentOf<AggregatedModel>()[1];
        f.Effects.ClearRecorded();

        f.Node.SendFailed(gone, message);
        Assert.True(f.View.TryGet(gone, out var held));
        f.Node.Receive(gone, new Advert(held with { MembershipIndex = held.MembershipIndex + 1, Status = MembershipStatus.Leave }));
        f.Fire(TimerKind.SendRetry);
        f.AnswerPings();

        var sent = Assert.Single(f.Effects.SentOf<AggregatedModel>());
        Assert.NotEqual(gone, sent.To);
        Assert.DoesNotContain(sent.To, f.OrderOf(k)[..f.Options.SampleSize]);
        Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerReplaced));
    }

    [Fact]
    public void SendFailed_AggregatedModel_OfARoundOvertaken_IsDroppedWithoutReplacement()
    {
        var (f, k) = ModestNodeAggregatorTests.AggregatedRound();
        var (gone, message) = f.Effects.SentOf<AggregatedModel>()[0];
        f.Node.SendFailed(gone, message);
        f.DeliverAggregate(f.OrderOf(k + 1).First(p => p != f.Self), k + 1);
        f.Effects.ClearRecorded();

        f.Fire(TimerKind.SendRetry);
        f.AnswerPings();

        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainerReplaced));
    }

    [Fact]
    public void SampleSearch_ACandidateAdvertsLeave_TheNextCandidateIsPingedAtOnceAndTakesItsPlace()
    {
        var (f, k) = ModestNodeAggregatorTests.IdleAggregator();
        foreach (var c in ModestNodeAggregatorTests.Contributors(f, k, 3))
        {
            f.DeliverTrained(c, k);
        }

        var order = f.OrderOf(k);
        var leaving = order[1];
        Assert.DoesNotContain(f.Effects.SentOf<Ping>(), p => p.To == order[f.Options.SampleSize]);
        Assert.True(f.View.TryGet(leaving, out var held));

        f.Node.Receive(leaving, new Advert(held with { MembershipIndex = held.MembershipIndex + 1, Status = MembershipStatus.Leave }));

        Assert.Contains(f.Effects.SentOf<Ping>(), p => p.To == order[f.Options.SampleSize]);
        f.AnswerPings(peer => peer != leaving);
        var expected = order[..(f.Options.SampleSize + 1)].Where(p => p != leaving);
        Assert.Equal(expected.Order(), f.Effects.SentOf<AggregatedModel>().Select(a => a.To).Order());
    }

    [Fact]
    public void Leave_WhileCollecting_NacksEveryContributorSoTheyFailOverAtOnce()
    {
        var (f, k) = ModestNodeAggregatorTests.IdleAggregator();
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 2);
        f.DeliverTrained(contributors[0], k);
        f.DeliverTrained(contributors[1], k);
        f.Effects.ClearRecorded();

        f.Node.Leave();

        var nacks = f.Effects.SentOf<Ack>();
        Assert.Equal(contributors.Order(), nacks.Select(a => a.To).Order());
        Assert.All(nacks, a => Assert.Equal(new Ack(k, Success: false), a.Message));
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
    }

    [Fact]
    public void TrainerCheck_AnExpectedTrainerIsSilent_TheRoundAggregatesWithoutWaitingForTheTimeout()
    {
        var (f, k, expected) = CheckingAggregator();
        foreach (var trainer in expected[1..])
        {
            f.DeliverTrained(trainer, k);
        }

        Assert.Empty(f.Effects.SentOf<Ping>());
        f.Fire(TimerKind.TrainerCheck);

        // Only the one expected trainer that has not sent is pinged; it stays silent.
        Assert.Equal(expected[0], Assert.Single(f.Effects.SentOf<Ping>()).To);
        f.ExhaustSearches(alive: p => p != expected[0]);
        f.AnswerPings(p => p != expected[0]);

        var aggregated = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal((k, expected.Length - 1), (aggregated.Round, aggregated.Count));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind is TimerKind.AggregationTimeout or TimerKind.TrainerCheck);
        var silent = Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainersSilent));
        Assert.Equal((k, 1), (silent.Round, silent.Count));
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainerNotSampled));
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainerSentElsewhere));
    }

    [Fact]
    public void TrainerCheck_TheExpectedTrainerAnswers_TheRoundKeepsWaitingAndChecksAgain()
    {
        var (f, k, expected) = CheckedAllButTheFirst();
        f.AnswerPings();

        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal(f.Options.TrainerCheckInterval, f.Effects.PendingTimers[new TimerKey(TimerKind.TrainerCheck, k)]);
        f.DeliverTrained(expected[0], k);
        f.AnswerPings();
        Assert.Equal(expected.Length, Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated)).Count);
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.TrainerCheck);
    }

    [Fact]
    public void TrainerCheck_AnExpectedTrainerAnswersWithoutTheRoundsAggregate_TheRoundAggregatesWithoutWaitingForTheTimeout()
    {
        // The peer this aggregator's view counts in the sample of k - 1 is live, but the previous
        // aggregator (another view) sent that round elsewhere: its latest aggregate is of k - 2.
        var (f, k, expected) = CheckedAllButTheFirst();
        f.AnswerPings(trainEstimate: p => p == expected[0] ? k - 2 : k - 1);

        var aggregated = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal((k, expected.Length - 1), (aggregated.Round, aggregated.Count));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind is TimerKind.AggregationTimeout or TimerKind.TrainerCheck);
        Assert.Equal(k, Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerNotSampled)).Round);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainerSentElsewhere));
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainersSilent));
    }

    [Fact]
    public void TrainerCheck_AnExpectedTrainerAnswersHavingSentTheRoundElsewhere_TheRoundAggregatesWithoutWaitingForTheTimeout()
    {
        // It trained k - 1, but its view picked other aggregators of k (or it went on to a later
        // round it sent elsewhere): no model of it is coming here.
        foreach (var sentRound in new[] { 0, 1 })
        {
            var (f, k, expected) = CheckedAllButTheFirst();
            f.AnswerPings(sentElsewhere: p => p == expected[0] ? k + sentRound : 0);

            var aggregated = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
            Assert.Equal((k, expected.Length - 1), (aggregated.Round, aggregated.Count));
            Assert.Equal(k, Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerSentElsewhere)).Round);
            Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainerNotSampled));
        }
    }

    [Fact]
    public void TrainerCheck_AnExpectedTrainerAnswersHoldingTheRound_TheRoundKeepsWaiting()
    {
        // It received the aggregate of k - 1 (it trains it, slowly) or a later one (it may have sent
        // its model here already, still on its way), and sent nothing of k or later elsewhere (an
        // older round it did): either way the round waits for it.
        foreach (var held in new[] { 1, 2 })
        {
            var (f, k, _) = CheckedAllButTheFirst();
            f.AnswerPings(trainEstimate: _ => k - 2 + held, sentElsewhere: _ => k - 1);

            Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
            Assert.Equal(f.Options.TrainerCheckInterval, f.Effects.PendingTimers[new TimerKey(TimerKind.TrainerCheck, k)]);
            Assert.DoesNotContain(f.Effects.Observations, o => o.Kind is ObservationKind.TrainersSilent or ObservationKind.TrainerNotSampled or ObservationKind.TrainerSentElsewhere);
        }
    }

    [Fact]
    public void TrainerCheck_AnExpectedTrainerAnswersRestarted_TheRoundAggregatesWithoutWaitingForTheTimeout()
    {
        // It crashed while training k - 1 and came back at once: a new process holds no aggregate
        // (its latest is round 0), sent nothing, and rejoined with a higher membership index. Its
        // model is not coming, and the latest-aggregate rule already tells.
        var (f, k, expected) = CheckedAllButTheFirst();
        f.AnswerPings(trainEstimate: p => p == expected[0] ? 0 : k - 1, membershipIndex: p => p == expected[0] ? 2 : 1);

        var aggregated = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal((k, expected.Length - 1), (aggregated.Round, aggregated.Count));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind is TimerKind.AggregationTimeout or TimerKind.TrainerCheck);
        Assert.Equal(k, Assert.Single(f.Effects.ObservedOf(ObservationKind.TrainerNotSampled)).Round);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.TrainersSilent));
    }

    [Fact]
    public void TrainerCheck_ThisNodeIsAnExpectedTrainerWithoutTheRoundsAggregate_CountsItselfLostAndAggregates()
    {
        // This node's view counts it in the sample of k - 1, but it never got that aggregate (its
        // latest is older): as a pinged trainer answering so, its own model is not coming.
        var (f, k, others) = CollectingWhileSampled();

        CheckTrainers_CountsItselfLostAndAggregates(f, k, others, ObservationKind.TrainerNotSampled);
    }

    [Fact]
    public void TrainerCheck_ThisNodeIsAnExpectedTrainerThatMovedOnAndSentElsewhere_CountsItselfLostAndAggregates()
    {
        // Found in a real cluster (bench-restart): this node's model of k went to an aggregator
        // that then died; the aggregate of k reached this node (so it moved on, trained k + 1 and
        // sent that to other aggregators), and the other trainers of k failed over to it. Without
        // the rule it waited for its own model until the aggregation timeout.
        var (f, k, others) = CollectingWhileSampled();
        f.DeliverAggregate(f.Other(k, 0), k);
        f.Node.TrainingCompleted(k, NodeFixture.Model(2), 10);
        f.ExhaustSearches();
        var sent = f.Effects.SentOf<TrainedModel>();
        Assert.NotEmpty(sent);
        Assert.All(sent, m => Assert.Equal(k + 1, m.Message.Round));
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));

        CheckTrainers_CountsItselfLostAndAggregates(f, k, others, ObservationKind.TrainerSentElsewhere);
    }

    [Fact]
    public void TrainerCheck_ThisNodeIsAnExpectedTrainerStillTrainingTheRound_KeepsWaiting()
    {
        var (f, k, _) = CollectingWhileSampled();
        f.DeliverAggregate(f.Other(k - 1, 0), k - 1);

        f.Fire(TimerKind.TrainerCheck);
        f.ExhaustSearches();

        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.DoesNotContain(f.Effects.Observations, o => o.Kind is ObservationKind.TrainerNotSampled or ObservationKind.TrainerSentElsewhere);
        Assert.Equal(f.Options.TrainerCheckInterval, f.Effects.PendingTimers[new TimerKey(TimerKind.TrainerCheck, k)]);
    }

    // Fires the trainer check of CollectingWhileSampled's node: it counts itself lost (observed as
    // outcome) and aggregates the others' models.
    private static void CheckTrainers_CountsItselfLostAndAggregates(NodeFixture f, long k, PeerId[] others, ObservationKind outcome)
    {
        f.Fire(TimerKind.TrainerCheck);
        f.ExhaustSearches();

        var aggregated = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal((k, others.Length), (aggregated.Round, aggregated.Count));
        Assert.Equal(k, Assert.Single(f.Effects.ObservedOf(outcome)).Round);
    }

    // A node collecting round k (trainer check on, every expected trainer needed) whose view counts
    // it in the sample of k - 1, with the models of the other expected trainers delivered. It is
    // not first in the orders of k and k + 1.
    private static (NodeFixture F, long K, PeerId[] Others) CollectingWhileSampled()
    {
        var options = NodeFixture.SmallOptions();
        options.SuccessFraction = 1.0;
        options.TrainerCheckInterval = TimeSpan.FromSeconds(10);
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) >= 8, from: 3);
        // Nor an aggregator of k + 1, so a model it trains of k + 1 goes to others.
        while (Array.IndexOf(f.OrderOf(k - 1), f.Self) >= options.SampleSize || Array.IndexOf(f.OrderOf(k), f.Self) < 8 || Array.IndexOf(f.OrderOf(k + 1), f.Self) < 8)
        {
            k++;
        }

        var others = f.OrderOf(k - 1)[..options.SampleSize].Where(p => p != f.Self).ToArray();
        foreach (var trainer in others)
        {
            f.DeliverTrained(trainer, k);
        }

        f.Effects.ClearRecorded();
        return (f, k, others);
    }

    // CheckingAggregator with every expected trainer but the first delivered, and its trainer check fired.
    private static (NodeFixture F, long K, PeerId[] Expected) CheckedAllButTheFirst()
    {
        var (f, k, expected) = CheckingAggregator();
        foreach (var trainer in expected[1..])
        {
            f.DeliverTrained(trainer, k);
        }

        f.Fire(TimerKind.TrainerCheck);
        return (f, k, expected);
    }

    // An aggregator of round k (success fraction 1, trainer checks on) outside the sample of k - 1,
    // whose expected trainers are the first s of order(k - 1) (every founder is live).
    private static (NodeFixture F, long K, PeerId[] Expected) CheckingAggregator()
    {
        var options = NodeFixture.SmallOptions();
        options.SuccessFraction = 1.0;
        options.TrainerCheckInterval = TimeSpan.FromSeconds(10);
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) >= 8, from: 3);
        while (Array.IndexOf(f.OrderOf(k - 1), f.Self) < options.SampleSize || Array.IndexOf(f.OrderOf(k), f.Self) < 8)
        {
            k++;
        }

        f.Effects.ClearRecorded();
        return (f, k, f.OrderOf(k - 1)[..options.SampleSize]);
    }
}
