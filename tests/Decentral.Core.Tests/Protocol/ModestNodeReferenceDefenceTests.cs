using Decentral.Aggregation;
using Decentral.Codecs;
using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Protocol;

/// <summary>The trainer-side reference defence against Byzantine aggregators (<see cref="AggregateDefences.Reference"/>).</summary>
public sealed class ModestNodeReferenceDefenceTests
{
    private const int Length = 64;

    /// <summary>What a Byzantine aggregator sends instead of the honest aggregate.</summary>
    public enum Poison
    {
        /// <summary>The negated aggregate (the simulator's attack).</summary>
        Negated,

        /// <summary>The aggregate times 10.</summary>
        Scaled,

        /// <summary>The aggregate plus N(0, 2²) per parameter.</summary>
        Noise,
    }

    [Property(MaxTest = 200)]
    public Property AggregatedModels_ReferenceDefenceAndByzantineAggregators_NeverStartsFromAPoisonedOne() =>
        Prop.ForAll(Scenarios().ToArbitrary(), s =>
        {
            var (f, k) = Trainer(aggregators: 3, maxChange: 0);
            var reference = Model(s.Seed, scale: 1);
            f.Node.Start(reference);
            f.Effects.ClearRecorded();

            // Honest aggregates: the reference plus a small drift each (the rounds since it trained);
            // the Byzantine ones poison an honest aggregate of the round.
            var random = new Random(s.Seed);
            var honest = new List<ModelVector>();
            var arrivals = new List<(PeerId From, ModelVector Model)>();
            for (var i = 0; i < 3; i++)
            {
                var aggregate = Drifted(reference, random, 0.05);
                if (i < s.Byzantine)
                {
                    aggregate = Poisoned(aggregate, s.Poison, random);
                }
                else
                {
                    honest.Add(aggregate);
                }

                arrivals.Add((f.Other(k, i), aggregate));
            }

            // Any order; the last (at least one honest stays) may never come, and the wait then decides.
            var order = arrivals.OrderBy(_ => random.Next()).ToList();
            if (s.OneSilent && (!honest.Contains(order[^1].Model) || honest.Count > 1))
            {
                order.RemoveAt(order.Count - 1);
            }

            foreach (var (from, model) in order)
            {
                Deliver(f, from, k, model);
            }

            if (f.Effects.TrainingStarts.Count == 0)
            {
                Assert.Equal(f.Options.Robustness.AggregateWait, f.Effects.PendingTimers[new TimerKey(TimerKind.AggregateWait, k)]);
                f.Fire(TimerKind.AggregateWait);
            }

            var (round, start) = Assert.Single(f.Effects.TrainingStarts);
            var poisonedDelivered = order.Count(a => !honest.Contains(a.Model));
            var far = f.Effects.ObservedOf(ObservationKind.ModelRejected).Count(r => r.Reason == RejectionReason.AggregateFar);
            return (round == k && honest.Any(h => h.Parameters.SequenceEqual(start.Parameters)) && far == poisonedDelivered)
                .Label($"byzantine {s.Byzantine}, {s.Poison}, silent {s.OneSilent}: far {far} of {poisonedDelivered}");
        });

    [Fact]
    public void AggregatedModels_ReferenceDefenceAndOneAggregator_DoesNotWait()
    {
        var (f, k) = Trainer(aggregators: 1, maxChange: 1.5);
        var reference = Model(1, scale: 1);
        f.Node.Start(reference);
        f.Effects.ClearRecorded();
        var honest = Drifted(reference, new Random(2), 0.1);

        Deliver(f, f.Other(k, 0), k, honest);

        var (_, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(honest.Parameters, start.Parameters);
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.ModelRejected));
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AggregateWait);
    }

    [Theory]
    [InlineData(Poison.Negated)]
    [InlineData(Poison.Scaled)]
    [InlineData(Poison.Noise)]
    public void AggregatedModels_ReferenceDefenceOneAggregatorAndAPoisonedAggregate_TrainsItsReference(Poison poison)
    {
        var (f, k) = Trainer(aggregators: 1, maxChange: 1.5);
        var reference = Model(3, scale: 1);
        f.Node.Start(reference);
        f.Effects.ClearRecorded();
        var random = new Random(4);

        Deliver(f, f.Other(k, 0), k, Poisoned(Drifted(reference, random, 0.05), poison, random));

        var (round, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(k, round);
        Assert.Same(reference, start);
        Assert.Equal(RejectionReason.AggregateChange, Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected)).Reason);
    }

    [Fact]
    public void AggregatedModels_ReferenceDefenceAfterTraining_JudgesAgainstTheTrainedModel()
    {
        var (f, k) = Trainer(aggregators: 3, maxChange: 0);
        var initial = Model(5, scale: 1);
        f.Node.Start(initial);
        f.Effects.ClearRecorded();
        for (var i = 0; i < 3; i++)
        {
            Deliver(f, f.Other(k, i), k, initial);
        }

        // The node trains far from the initial model; the next round's aggregates sit either near
        // what it trained or near the initial model, and the first kind must win.
        var trained = Model(6, scale: 1);
        f.Node.TrainingCompleted(k, trained, 10);
        f.Effects.ClearRecorded();
        var next = k + 5;
        var random = new Random(7);
        var nearTrained = Drifted(trained, random, 0.05);
        Deliver(f, f.Other(next, 0), next, Drifted(initial, random, 0.05));
        Deliver(f, f.Other(next, 1), next, Drifted(initial, random, 0.05));
        Deliver(f, f.Other(next, 2), next, nearTrained);

        var (_, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(nearTrained.Parameters, start.Parameters);
    }

    [Fact]
    public void AggregatedModels_ReferenceDefenceOnANewcomer_TrainsTheMedian()
    {
        var (f, k) = Trainer(aggregators: 3, maxChange: 1.5);
        f.Node.Join();
        f.Effects.ClearRecorded();

        f.DeliverAggregate(f.Other(k, 0), k, value: 1);
        f.DeliverAggregate(f.Other(k, 1), k, value: -1e6f);
        f.DeliverAggregate(f.Other(k, 2), k, value: 1);

        var (_, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.All(start.Parameters, p => Assert.Equal(1f, p));
    }

    [Fact]
    public void AggregatedModels_ReferenceRestoredAfterARestart_JudgesAgainstItNotTheMedian()
    {
        // A restarted node (Join) would be a newcomer without a reference and train the median of
        // the aggregates; with the reference its checkpoint kept, one honest aggregate of three wins.
        var (f, k) = Trainer(aggregators: 3, maxChange: 0);
        var reference = Model(8, scale: 1);
        f.Node.Join();
        f.Node.RestoreReference(reference);
        f.Effects.ClearRecorded();
        Assert.Same(reference, f.Node.Reference);
        var random = new Random(9);
        var honest = Drifted(reference, random, 0.05);
        Deliver(f, f.Other(k, 0), k, Poisoned(Drifted(reference, random, 0.05), Poison.Scaled, random));
        Deliver(f, f.Other(k, 1), k, Poisoned(Drifted(reference, random, 0.05), Poison.Scaled, random));
        Deliver(f, f.Other(k, 2), k, honest);

        var (_, start) = Assert.Single(f.Effects.TrainingStarts);
        Assert.Equal(honest.Parameters, start.Parameters);
        Assert.Same(start, f.Node.Reference);
    }

    [Fact]
    public void RestoreReference_WithoutTheReferenceDefence_IsIgnored()
    {
        var f = new NodeFixture(options: NodeFixture.SmallOptions());

        f.Node.RestoreReference(Model(1, scale: 1));

        Assert.Null(f.Node.Reference);
    }

    private static (NodeFixture F, long K) Trainer(int aggregators, double maxChange)
    {
        var options = NodeFixture.SmallOptions();
        options.Aggregators = aggregators;
        options.Robustness.AggregateDefence = AggregateDefences.Reference;
        options.Robustness.AggregateMaxChange = maxChange;
        var f = new NodeFixture(options: options);
        return (f, 4);
    }

    private static void Deliver(NodeFixture f, PeerId from, long round, ModelVector model) =>
        f.Node.Receive(from, new AggregatedModel(round, EncodedModel.Whole(model), f.NoNews()));

    // A model with parameters uniform in [-scale, scale] (its norm about scale × sqrt(Length / 3)).
    private static ModelVector Model(int seed, double scale)
    {
        var random = new Random(seed);
        return new ModelVector("test", [.. Enumerable.Range(0, Length).Select(_ => (float)(scale * ((2 * random.NextDouble()) - 1)))]);
    }

    // model + a random direction of length fraction × ‖model‖.
    private static ModelVector Drifted(ModelVector model, Random random, double fraction)
    {
        var direction = Enumerable.Range(0, Length).Select(_ => (2 * random.NextDouble()) - 1).ToArray();
        var scale = fraction * Norm(model.Parameters) / Math.Sqrt(direction.Sum(d => d * d));
        return new ModelVector(model.LayoutId, [.. model.Parameters.Select((p, i) => (float)(p + (scale * direction[i])))]);
    }

    private static ModelVector Poisoned(ModelVector honest, Poison poison, Random random) => poison switch
    {
        Poison.Negated => new ModelVector(honest.LayoutId, [.. honest.Parameters.Select(p => -p)]),
        Poison.Scaled => new ModelVector(honest.LayoutId, [.. honest.Parameters.Select(p => 10 * p)]),
        _ => new ModelVector(honest.LayoutId, [.. honest.Parameters.Select(p => (float)(p + (2 * RandomDraws.StandardNormal(random))))]),
    };

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));

    private static Gen<AttackScenario> Scenarios() =>
        from seed in Gen.Choose(1, 1_000_000)
        from byzantine in Gen.Choose(1, 2)
        from poison in Gen.Elements(Poison.Negated, Poison.Scaled, Poison.Noise)
        from silent in Gen.Elements(false, true)
        select new AttackScenario(seed, byzantine, poison, silent);

    /// <summary>One case: the seed of the models, how many of the 3 aggregators are Byzantine, their poison, and whether one aggregate never arrives.</summary>
    public sealed record AttackScenario(int Seed, int Byzantine, Poison Poison, bool OneSilent);
}
