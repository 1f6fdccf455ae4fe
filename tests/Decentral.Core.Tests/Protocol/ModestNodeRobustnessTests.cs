using Decentral.Aggregation;
using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestNodeRobustnessTests
{
    [Fact]
    public void Aggregate_MedianRule_SendsTheCoordinateWiseMedian()
    {
        var (f, k) = Aggregator(o => o.Robustness.Rule = AggregationRules.Median);
        var contributors = Trainers(f, k, 3);

        f.DeliverTrained(contributors[0], k, value: 1);
        f.DeliverTrained(contributors[1], k, value: 2);
        f.DeliverTrained(contributors[2], k, value: 1e6f);
        f.AnswerPings();

        var aggregate = f.Effects.SentOf<AggregatedModel>()[0].Message.Model.DecodeWhole();
        Assert.All(aggregate.Parameters, p => Assert.Equal(2f, p));
    }

    [Fact]
    public void Aggregate_ScaledModelAndRelativeNormBound_RefusesItCountsItAndAveragesTheRest()
    {
        var (f, k) = Aggregator(o =>
        {
            o.SuccessFraction = 1;
            o.Robustness.MaxNormRatio = 3;
        });
        var contributors = Trainers(f, k, 5);
        float[] values = [1f, 1.1f, 0.95f, 1.05f, 100f];

        for (var i = 0; i < 5; i++)
        {
            f.DeliverTrained(contributors[i], k, values[i], samples: 10);
        }

        f.AnswerPings();

        var rejected = Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected));
        Assert.Equal((k, RejectionReason.Norm), (rejected.Round, rejected.Reason));
        var aggregate = f.Effects.SentOf<AggregatedModel>()[0].Message.Model.DecodeWhole();
        Assert.All(aggregate.Parameters, p => Assert.Equal((1f + 1.1f + 0.95f + 1.05f) / 4, p, 5));
        Assert.Equal(4, Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated)).Count);
        Assert.All(f.Effects.SentOf<Ack>(), a => Assert.True(a.Message.Success));
    }

    [Fact]
    public void Aggregate_EveryModelRefused_DropsTheRoundAndNacks()
    {
        var (f, k) = Aggregator(o =>
        {
            o.SuccessFraction = 0.4;
            o.Robustness.MaxNorm = 1e-3;
        });
        var contributors = Trainers(f, k, 2);

        // Two models sit at distance 1 from their median 2 (in each of the 4 coordinates): both go.
        f.DeliverTrained(contributors[0], k, value: 1);
        f.DeliverTrained(contributors[1], k, value: 3);

        Assert.Equal(2, f.Effects.ObservedOf(ObservationKind.ModelRejected).Count);
        Assert.Equal(k, Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregationDropped)).Round);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal(contributors.Order(), f.Effects.SentOf<Ack>().Where(a => !a.Message.Success).Select(a => a.To).Order());
    }

    // The protocol test of the issue: with a defence on, one trainer sending a scaled copy of an
    // honest model moves the aggregate at most the bound B outside the honest models' range, for
    // every scale factor (huge, tiny, negative) and both defences: the absolute norm bound with
    // the mean, and the clipped mean with clip norm B.
    [Property(MaxTest = 120)]
    public Property Aggregate_OneScaledModelAndADefence_NeverMovesBeyondTheBound() =>
        Prop.ForAll(
            Gen.Elements(-1e6, -10.0, -1.0, 0.0, 0.5, 2.0, 10.0, 1e3, 1e6, 1e9).ToArbitrary(),
            Gen.Choose(1, 40).ToArbitrary(),
            Gen.Choose(0, 10_000).ToArbitrary(),
            (scale, boundTenths, seed) =>
            {
                var bound = boundTenths / 10.0;
                foreach (var clipped in new[] { false, true })
                {
                    var (f, k) = Aggregator(o =>
                    {
                        o.SuccessFraction = 1;
                        if (clipped)
                        {
                            o.Robustness.Rule = AggregationRules.ClippedMean;
                            o.Robustness.ClipNorm = bound;
                        }
                        else
                        {
                            o.Robustness.MaxNorm = bound;
                        }
                    });
                    var random = new Random(seed);
                    var honest = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray()).ToArray();
                    var attacker = honest[0].Select(v => (float)(v * scale)).ToArray();
                    var trainers = Trainers(f, k, 5);
                    for (var i = 0; i < 4; i++)
                    {
                        f.Node.Receive(trainers[i], new TrainedModel(k, new ModelVector("test", honest[i]), 10, f.NoNews()));
                    }

                    f.Node.Receive(trainers[4], new TrainedModel(k, new ModelVector("test", attacker), 10, f.NoNews()));
                    f.AnswerPings();

                    var sent = f.Effects.SentOf<AggregatedModel>();
                    if (sent.Count == 0)
                    {
                        // Every model refused: the round is dropped, nothing is moved at all.
                        Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregationDropped));
                        continue;
                    }

                    var aggregate = sent[0].Message.Model.DecodeWhole().Parameters;
                    for (var j = 0; j < aggregate.Length; j++)
                    {
                        var low = honest.Min(h => h[j]) - bound - 1e-5;
                        var high = honest.Max(h => h[j]) + bound + 1e-5;
                        Assert.True(aggregate[j] >= low && aggregate[j] <= high, $"{(clipped ? "clipped mean" : "norm bound")}, scale {scale}, bound {bound}: {aggregate[j]} outside [{low}, {high}]");
                    }
                }
            });

    [Fact]
    public void TrainedModel_FarFutureTagWithRoundLimit_IsRefusedAndTheRealRoundStillAggregates()
    {
        var (f, k) = Aggregator(o => o.Robustness.MaxRoundsAhead = 10);
        var contributors = Trainers(f, k, 3);
        var estimate = f.Node.RoundEstimate;

        f.DeliverTrained(contributors[0], estimate + 1_000_000);

        var rejected = Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected));
        Assert.Equal(RejectionReason.RoundAhead, rejected.Reason);
        Assert.Equal(new Ack(estimate + 1_000_000, true), Assert.Single(f.Effects.SentOf<Ack>()).Message);
        Assert.True(f.Node.AggregateEstimate < k);
        foreach (var c in contributors)
        {
            f.DeliverTrained(c, k);
        }

        f.AnswerPings();
        Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
    }

    [Fact]
    public void AggregatedModel_FarFutureTagWithRoundLimit_DoesNotMoveTheTrainEstimate()
    {
        var f = new NodeFixture(options: Options(o => o.Robustness.MaxRoundsAhead = 10));
        f.Node.Start(NodeFixture.Model(0));
        var before = f.Node.TrainEstimate;

        f.DeliverAggregate(f.Other(5, 0), f.Node.RoundEstimate + 50);

        Assert.Equal(before, f.Node.TrainEstimate);
        Assert.Equal(RejectionReason.RoundAhead, Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected)).Reason);
    }

    [Fact]
    public void TrainedModel_SenderRankedBeyondTheLimit_IsRefusedAsRank()
    {
        var (f, k) = Aggregator(o => o.Robustness.RankLimit = 10);
        var order = f.OrderOf(k - 1).Where(p => p != f.Self).ToArray();

        f.DeliverTrained(order[0], k);
        f.DeliverTrained(order[20], k);

        var rejected = Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected));
        Assert.Equal(RejectionReason.Rank, rejected.Reason);
    }

    [Fact]
    public void AggregatedModels_MedianDefenceWithThreeAggregators_TrainsTheMedian()
    {
        var (f, k) = DefendingTrainer();

        f.DeliverAggregate(f.Other(k, 0), k, value: 1);
        f.DeliverAggregate(f.Other(k, 1), k, value: -1e6f);
        Assert.Empty(f.Effects.TrainingStarts);
        Assert.Equal(f.Options.Robustness.AggregateWait, f.Effects.PendingTimers[new TimerKey(TimerKind.AggregateWait, k)]);
        f.DeliverAggregate(f.Other(k, 2), k, value: 1);

        var (round, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(k, round);
        Assert.All(start.Parameters, p => Assert.Equal(1f, p));
        Assert.Equal(3, Assert.Single(f.Effects.ObservedOf(ObservationKind.AggregatesCombined)).Count);
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AggregateWait);
    }

    [Fact]
    public void AggregatedModels_MedianDefenceAndASilentAggregator_TrainsWhatArrivedAfterTheWait()
    {
        var (f, k) = DefendingTrainer();
        f.DeliverAggregate(f.Other(k, 0), k, value: 2);
        f.DeliverAggregate(f.Other(k, 1), k, value: 4);

        f.Fire(TimerKind.AggregateWait);

        var (_, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.All(start.Parameters, p => Assert.Equal(3f, p));
    }

    [Fact]
    public void AggregatedModels_NewerRoundWhileWaiting_DropsTheOlderOne()
    {
        var (f, k) = DefendingTrainer();
        f.DeliverAggregate(f.Other(k, 0), k, value: 2);

        f.DeliverAggregate(f.Other(k + 1, 0), k + 1, value: 7);

        Assert.Equal(new TimerKey(TimerKind.AggregateWait, k + 1), f.Effects.PendingTimer(TimerKind.AggregateWait));
        f.Fire(TimerKind.AggregateWait);
        var (round, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(k + 1, round);
        Assert.All(start.Parameters, p => Assert.Equal(7f, p));
    }

    [Fact]
    public void AggregatedModels_NoDefence_TrainsTheFirstAsTheReference()
    {
        var f = new NodeFixture(options: Options(o => o.Aggregators = 3));
        f.Node.Start(NodeFixture.Model(0));
        f.Effects.ClearRecorded();
        var k = f.Node.TrainEstimate + 3;

        f.DeliverAggregate(f.Other(k, 0), k, value: -5);
        f.DeliverAggregate(f.Other(k, 1), k, value: 1);

        var (_, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.All(start.Parameters, p => Assert.Equal(-5f, p));
    }

    // A started node with a = 3 and the median defence, and a round k ahead of it.
    private static (NodeFixture F, long K) DefendingTrainer()
    {
        var f = new NodeFixture(options: Options(o =>
        {
            o.Aggregators = 3;
            o.Robustness.AggregateDefence = AggregateDefences.Median;
        }));
        f.Node.Start(NodeFixture.Model(0));
        f.Effects.ClearRecorded();
        return (f, f.Node.TrainEstimate + 3);
    }

    private static ModestOptions Options(Action<ModestOptions> configure)
    {
        var options = NodeFixture.SmallOptions();
        configure(options);
        return options;
    }

    private static (NodeFixture F, long K) Aggregator(Action<ModestOptions> configure)
    {
        var f = new NodeFixture(options: Options(configure), chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) >= 8);
        f.Effects.ClearRecorded();
        return (f, k);
    }

    // The first peers of order(k - 1) other than the aggregator: plausible trainers of round k - 1.
    private static PeerId[] Trainers(NodeFixture f, long k, int count) => [.. f.OrderOf(k - 1).Where(p => p != f.Self).Take(count)];
}
