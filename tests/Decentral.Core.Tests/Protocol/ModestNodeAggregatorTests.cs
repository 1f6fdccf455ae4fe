using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestNodeAggregatorTests
{
    [Fact]
    public void TrainedModel_ThresholdReached_SendsWeightedAverageToSampleAndAcksContributors()
    {
        var (f, k) = IdleAggregator();
        var contributors = Contributors(f, k, 3);

        f.DeliverTrained(contributors[0], k, value: 1, samples: 10);
        f.DeliverTrained(contributors[1], k, value: 2, samples: 20);
        Assert.Empty(f.Effects.SentOf<Ping>());
        f.DeliverTrained(contributors[2], k, value: 3, samples: 30);
        var sample = f.OrderOf(k)[..f.Options.SampleSize];
        Assert.Equal(sample, f.Effects.SentOf<Ping>().Select(p => p.To));
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        f.AnswerPings();

        var aggregates = f.Effects.SentOf<AggregatedModel>();
        Assert.Equal(sample, aggregates.Select(a => a.To));
        Assert.All(aggregates, a => Assert.Equal(k, a.Message.Round));
        Assert.All(aggregates[0].Message.Model.DecodeWhole().Parameters, p => Assert.Equal((float)(140.0 / 60.0), p));
        var acks = f.Effects.SentOf<Ack>();
        Assert.Equal(contributors.Order(), acks.Select(a => a.To).Order());
        Assert.All(acks, a => Assert.Equal(new Ack(k, true), a.Message));
        var aggregated = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal((k, 3), (aggregated.Round, aggregated.Count));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AggregationTimeout);
    }

    [Fact]
    public void TrainedModel_BelowThreshold_WaitsWithAggregationTimeout()
    {
        var (f, k) = IdleAggregator();

        f.DeliverTrained(Contributors(f, k, 1)[0], k);

        Assert.Equal(f.Options.AggregationTimeout, f.Effects.PendingTimers[new TimerKey(TimerKind.AggregationTimeout, k)]);
        Assert.Empty(f.Effects.Sent);
        Assert.Equal(k, f.Node.AggregateEstimate);
    }

    [Fact]
    public void TrainedModel_FromPeer_SetsItsLastActiveToMaxOfTagAndEstimate()
    {
        var (f, k) = IdleAggregator();
        var sender = Contributors(f, k, 1)[0];
        var lagging = Contributors(f, k, 2)[1];
        f.DeliverTrained(sender, k + 3);

        f.DeliverTrained(lagging, k + 1);

        Assert.True(f.View.TryGet(sender, out var s));
        Assert.True(f.View.TryGet(lagging, out var l));
        Assert.Equal(k + 3, s.LastActiveRound);
        Assert.Equal(f.Node.RoundEstimate, l.LastActiveRound);
        Assert.True(l.LastActiveRound >= k + 3);
    }

    [Fact]
    public void TrainedModel_SameSenderThreeTimes_CountsOnce()
    {
        var (f, k) = IdleAggregator();
        var sender = Contributors(f, k, 1)[0];

        for (var i = 0; i < 3; i++)
        {
            f.DeliverTrained(sender, k);
        }

        Assert.Empty(f.Effects.SentOf<Ping>());
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
    }

    [Fact]
    public void AggregationTimeout_AtLeastMinModels_AggregatesWhatArrived()
    {
        var (f, k) = IdleAggregator();
        var contributors = Contributors(f, k, 2);
        f.DeliverTrained(contributors[0], k, value: 4);
        f.DeliverTrained(contributors[1], k, value: 6);

        f.Fire(TimerKind.AggregationTimeout);
        f.AnswerPings();

        Assert.Equal(f.Options.SampleSize, f.Effects.SentOf<AggregatedModel>().Count);
        Assert.All(f.Effects.SentOf<AggregatedModel>()[0].Message.Model.DecodeWhole().Parameters, p => Assert.Equal(5f, p));
        Assert.Equal(2, f.Effects.SentOf<Ack>().Count(a => a.Message.Success));
    }

    [Fact]
    public void AggregationTimeout_FewerThanMinModels_DropsRoundAndNacks()
    {
        var (f, k) = IdleAggregator();
        var contributor = Contributors(f, k, 1)[0];
        f.DeliverTrained(contributor, k);

        f.Fire(TimerKind.AggregationTimeout);

        var (to, nack) = Assert.Single(f.Effects.SentOf<Ack>());
        Assert.Equal((contributor, new Ack(k, false)), (to, nack));
        Assert.Empty(f.Effects.SentOf<Ping>());
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Equal((k, 1), (f.Effects.ObservedOf(ObservationKind.AggregationDropped).Single().Round, f.Effects.ObservedOf(ObservationKind.AggregationDropped).Single().Count));
    }

    [Fact]
    public void TrainedModel_RoundAlreadyAggregated_GetsAckTrueAndIsIgnored()
    {
        var (f, k) = AggregatedRound();
        var late = f.Other(k, 25);
        f.Effects.ClearRecorded();

        f.DeliverTrained(late, k);

        Assert.Equal((late, new Ack(k, true)), Assert.Single(f.Effects.SentOf<Ack>()));
        Assert.Single(f.Effects.ObservedOf(ObservationKind.StaleIgnored));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AggregationTimeout);
        Assert.Empty(f.Effects.SentOf<Ping>());
    }

    [Fact]
    public void TrainedModel_RoundDroppedAtTimeout_IsRefusedSoTheTrainerFailsOver()
    {
        var (f, k) = IdleAggregator();
        f.DeliverTrained(Contributors(f, k, 1)[0], k);
        f.Fire(TimerKind.AggregationTimeout);
        f.Effects.ClearRecorded();
        var late = f.Other(k, 25);

        f.DeliverTrained(late, k);

        Assert.Equal((late, new Ack(k, false)), Assert.Single(f.Effects.SentOf<Ack>()));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AggregationTimeout);
    }

    [Fact]
    public void TrainedModel_RoundDroppedHereButAggregatedElsewhere_GetsAckTrue()
    {
        var (f, k) = IdleAggregator();
        f.DeliverTrained(Contributors(f, k, 1)[0], k);
        f.Fire(TimerKind.AggregationTimeout);
        f.DeliverAggregate(f.Other(k, 0), k);
        f.Effects.ClearRecorded();

        f.DeliverTrained(f.Other(k, 25), k);

        Assert.True(Assert.Single(f.Effects.SentOf<Ack>()).Message.Success);
    }

    [Fact]
    public void TrainedModel_TwoRoundsAtOnce_AggregatesEachOnItsOwn()
    {
        var (f, k) = IdleAggregator();
        var contributors = Contributors(f, k, 6);

        for (var i = 0; i < 3; i++)
        {
            f.DeliverTrained(contributors[i], k, value: 5);
            f.DeliverTrained(contributors[i + 3], k + 1, value: 7);
        }

        f.IgnorePings();
        Assert.Equal(2, f.Node.ActiveSearches);
        Assert.Equal(k + 1, f.Node.AggregateEstimate);
    }

    [Fact]
    public void TrainedModel_OlderThanEveryRoundCollected_GetsAckTrueAndIsIgnored()
    {
        var (f, k) = IdleAggregator();
        f.DeliverTrained(Contributors(f, k, 1)[0], k + 1);
        var late = Contributors(f, k, 2)[1];

        f.DeliverTrained(late, k);

        Assert.Equal((late, new Ack(k, true)), Assert.Single(f.Effects.SentOf<Ack>()));
        Assert.DoesNotContain(new TimerKey(TimerKind.AggregationTimeout, k), f.Effects.PendingTimers.Keys);
    }

    [Fact]
    public void SampleSearch_SilentCandidate_ReplacedByNextOfOrder()
    {
        var (f, k) = IdleAggregator();
        var order = f.OrderOf(k);
        var silent = order[1];
        foreach (var c in Contributors(f, k, 3))
        {
            f.DeliverTrained(c, k);
        }

        f.AnswerPings(p => p != silent);
        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        f.ExhaustSearches(p => p != silent);

        var expected = order.Where(p => p != silent).Take(f.Options.SampleSize);
        Assert.Equal(expected, f.Effects.SentOf<AggregatedModel>().Select(a => a.To));
        Assert.Equal(f.Options.PingAttempts, f.Effects.SentOf<Ping>().Count(p => p.To == silent));
    }

    [Fact]
    public void SendAggregate_NewerRoundArrivedDuringSampleSearch_AcksButDoesNotSend()
    {
        var (f, k) = IdleAggregator();
        foreach (var c in Contributors(f, k, 3))
        {
            f.DeliverTrained(c, k);
        }

        f.DeliverAggregate(f.Other(k + 1, 0), k + 1);
        f.AnswerPings();

        Assert.Empty(f.Effects.SentOf<AggregatedModel>());
        Assert.Equal(3, f.Effects.SentOf<Ack>().Count(a => a.Message.Success));
        Assert.Contains(f.Effects.Observations, o => o.Kind == ObservationKind.StaleIgnored && o.Round == k);
    }

    [Fact]
    public void SendFailed_AggregatedModel_IsRetriedAfterSendRetry()
    {
        var (f, k) = AggregatedRound();
        var (to, message) = f.Effects.SentOf<AggregatedModel>()[2];
        f.Effects.ClearRecorded();

        f.Node.SendFailed(to, message);
        f.Fire(TimerKind.SendRetry);

        Assert.Equal((to, message), Assert.Single(f.Effects.SentOf<AggregatedModel>()));
        Assert.Equal(k, message.Round);
    }

    [Fact]
    public void Aggregate_ModelOfOtherLayout_IsLeftOut()
    {
        var (f, k) = IdleAggregator();
        // The stray model comes from the lowest id, which the aggregator sums first.
        var contributors = Contributors(f, k, 3).Order().ToArray();
        f.DeliverTrained(contributors[1], k, value: 2);
        f.DeliverTrained(contributors[2], k, value: 4);
        var alien = new ModelVector("other-layout", [100f, 100f, 100f, 100f]);
        f.Node.Receive(contributors[0], new TrainedModel(k, alien, 10, f.NoNews()));
        f.AnswerPings();

        var sent = f.Effects.SentOf<AggregatedModel>();
        Assert.NotEmpty(sent);
        Assert.All(sent[0].Message.Model.DecodeWhole().Parameters, p => Assert.Equal(3f, p));
        Assert.Equal("test", sent[0].Message.Model.LayoutId);
    }

    [Fact]
    public void SendAggregate_SelfInSample_TrainsLocallyWithoutSendingToItself()
    {
        var f = new NodeFixture();
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) is >= 1 and < 5);
        f.Effects.ClearRecorded();
        foreach (var c in Contributors(f, k, 3))
        {
            f.DeliverTrained(c, k, value: 8);
        }

        f.AnswerPings();

        Assert.DoesNotContain(f.Effects.Sent, s => s.To == f.Self);
        Assert.Equal(f.Options.SampleSize - 1, f.Effects.SentOf<AggregatedModel>().Count);
        var (round, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(k, round);
        Assert.All(start.Parameters, p => Assert.Equal(8f, p));
    }

    // A started node that is not in the round-1 sample and not among the first s of order(k).
    internal static (NodeFixture F, long K) IdleAggregator()
    {
        var f = new NodeFixture(chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) >= 8);
        f.Effects.ClearRecorded();
        return (f, k);
    }

    // IdleAggregator that aggregated round k from three contributors and sent it on.
    internal static (NodeFixture F, long K) AggregatedRound()
    {
        var (f, k) = IdleAggregator();
        foreach (var c in Contributors(f, k, 3))
        {
            f.DeliverTrained(c, k);
        }

        f.AnswerPings();
        Assert.Equal(f.Options.SampleSize, f.Effects.SentOf<AggregatedModel>().Count);
        return (f, k);
    }

    // Peers that trained round k-1: taken from the back of order(k), away from the sample.
    internal static PeerId[] Contributors(NodeFixture f, long k, int count) =>
        [.. f.OrderOf(k).Where(p => p != f.Self).Reverse().Take(count)];
}
