using Decentral.Aggregation;
using Decentral.Learning;
using Decentral.Simulator.Attacks;
using Decentral.Simulator.Scenarios;
using Decentral.Simulator.Tests.Runner;
using Xunit.Abstractions;

namespace Decentral.Simulator.Tests.Attacks;

public sealed class ByzantineAttackTests(ITestOutputHelper output)
{
    [Fact]
    public void Attackers_FractionOfSlots_FixedBySeed()
    {
        var scenario = Scenario(AttackKinds.SignFlip, 0.2);
        var other = Scenario(AttackKinds.SignFlip, 0.2, seed: 2);

        var attackers = ByzantineAttack.Attackers(scenario);

        Assert.Equal(20, attackers.Count);
        Assert.Equal(attackers.Order(), ByzantineAttack.Attackers(Scenario(AttackKinds.SignFlip, 0.2)).Order());
        Assert.NotEqual(attackers.Order(), ByzantineAttack.Attackers(other).Order());
        Assert.Equal(30, ByzantineAttack.AttackerCount(Scenario(AttackKinds.Noise, 0.3)));
        Assert.Equal(0, ByzantineAttack.AttackerCount(Scenario(AttackKinds.None, 0.3)));
    }

    [Fact]
    public void PoisonTrained_EachTrainerAttack_SendsItsDocumentedModel()
    {
        var start = new ModelVector("m", [1f, 2f, 3f, 4f]);
        var trained = new ModelVector("m", [1.5f, 1f, 3f, 5f], samplesTrained: 100);
        ModelVector[] honest = [new("m", [0f, 0f, 0f, 0f]), new("m", [2f, 4f, 6f, 8f])];

        var flip = Attack(AttackKinds.SignFlip).PoisonTrained(0, 3, start, trained, () => []);
        var scale = Attack(AttackKinds.Scaling).PoisonTrained(0, 3, start, trained, () => []);
        var noise = Attack(AttackKinds.Noise).PoisonTrained(0, 3, start, trained, () => []);
        var again = Attack(AttackKinds.Noise).PoisonTrained(0, 3, start, trained, () => []);
        var alie = Attack(AttackKinds.Alie).PoisonTrained(0, 3, start, trained, () => honest);

        // Factor 10: start -/+ 10 (trained - start).
        Assert.Equal([-4f, 12f, 3f, -6f], flip.Parameters);
        Assert.Equal([6f, -8f, 3f, 14f], scale.Parameters);
        Assert.Equal(noise.Parameters, again.Parameters);
        Assert.NotEqual(trained.Parameters, noise.Parameters);
        // Mean of the honest minus z = 1 standard deviation: (x/2) - (x/2) = 0.
        Assert.Equal([0f, 0f, 0f, 0f], alie.Parameters);
        Assert.Equal(100, flip.SamplesTrained);
    }

    [Fact]
    public void PoisonAggregate_EachPoison_SendsItsDocumentedModel()
    {
        var aggregate = new ModelVector("m", [1f, -2f, 0.5f], samplesTrained: 70);
        ByzantineAttack With(string poison)
        {
            var scenario = Scenario(AttackKinds.Aggregator, 0.2);
            scenario.Attack.AggregatePoison = poison;
            return new ByzantineAttack(scenario);
        }

        var noise = With(AggregatePoisons.Noise).PoisonAggregate(3, 8, aggregate);

        Assert.Equal([-1f, 2f, -0.5f], With(AggregatePoisons.Negate).PoisonAggregate(3, 8, aggregate).Parameters);
        Assert.Equal([10f, -20f, 5f], With(AggregatePoisons.Scale).PoisonAggregate(3, 8, aggregate).Parameters);
        Assert.Equal(noise.Parameters, With(AggregatePoisons.Noise).PoisonAggregate(3, 8, aggregate).Parameters);
        Assert.NotEqual(noise.Parameters, With(AggregatePoisons.Noise).PoisonAggregate(3, 9, aggregate).Parameters);
        Assert.NotEqual(aggregate.Parameters, noise.Parameters);
        Assert.Equal(70, noise.SamplesTrained);
    }

    [Fact]
    public void SignFlip_TwentyPercent_RuinsTheMeanAndTheMedianHoldsWithinThreePoints()
    {
        var clean = Run(Scenario(AttackKinds.None, 0.2));
        var attacked = Run(Scenario(AttackKinds.SignFlip, 0.2));
        var defended = Scenario(AttackKinds.SignFlip, 0.2);
        defended.Protocol.Robustness.Rule = AggregationRules.Median;
        var median = Run(defended);

        Assert.True(attacked < clean - 0.2, $"sign flip with the mean: {attacked:P1} against {clean:P1}");
        Assert.True(median > clean - 0.03, $"sign flip with the median: {median:P1} against {clean:P1}");
    }

    [Fact]
    public void NormBound_ScaledAndNoisyModels_AreRefusedAndCountedInTelemetry()
    {
        var scenario = Scenario(AttackKinds.Noise, 0.2);
        scenario.Protocol.Robustness.MaxNormRatio = 3;

        var (_, summary, telemetry) = ScenarioRuns.Execute(scenario);

        Assert.True(summary.Rejections.GetValueOrDefault(RejectionReason.Norm) > 0);
        Assert.Contains("\"rejected\":{\"norm\":", telemetry, StringComparison.Ordinal);
    }

    [Fact]
    public void ByzantineAggregator_RowsItOpens_EvaluateWhatItSent()
    {
        var scenario = Scenario(AttackKinds.Aggregator, 0.3);
        var attackers = ByzantineAttack.Attackers(scenario);

        var (run, _, _) = ScenarioRuns.Execute(scenario);

        // A negated softmax model ranks every class backwards: far below chance after a few rounds.
        var evaluated = run.Recorder.Rows.Where(r => r.Evaluation is not null && r.Round > 10).ToList();
        var poisoned = evaluated.Where(r => attackers.Contains(r.Aggregators[0])).ToList();
        var honest = evaluated.Where(r => !attackers.Contains(r.Aggregators[0])).ToList();
        Assert.NotEmpty(poisoned);
        Assert.NotEmpty(honest);
        Assert.True(poisoned.Max(r => r.Evaluation!.Value.Accuracy) < honest.Average(r => r.Evaluation!.Value.Accuracy), "rows of Byzantine aggregators should show their poisoned aggregate");
    }

    [Fact]
    public void ByzantineAggregator_ThreeAggregatorsAndTheMedianDefence_HoldsWhereOneAggregatorFails()
    {
        var clean = Run(Scenario(AttackKinds.None, 0.1));
        var one = Run(Scenario(AttackKinds.Aggregator, 0.1));
        var three = Scenario(AttackKinds.Aggregator, 0.1);
        three.Protocol.Aggregators = 3;
        three.Protocol.Robustness.AggregateDefence = Protocol.AggregateDefences.Median;
        var defended = Run(three);

        Assert.True(defended > one, $"a = 3 with the median {defended:P1}, a = 1 {one:P1}");
        Assert.True(defended > clean - 0.03, $"a = 3 with the median {defended:P1} against {clean:P1}");
    }

    [Fact]
    public void ByzantineAggregator_ReferenceDefence_HoldsAndCountsTheRefusedAggregates()
    {
        var clean = Run(Scenario(AttackKinds.None, 0.3));
        var first = Scenario(AttackKinds.Aggregator, 0.3);
        first.Protocol.Aggregators = 3;
        var undefended = Run(first);
        var three = Scenario(AttackKinds.Aggregator, 0.3);
        three.Protocol.Aggregators = 3;
        three.Protocol.Robustness.AggregateDefence = Protocol.AggregateDefences.Reference;

        var (_, summary, telemetry) = ScenarioRuns.Execute(three);

        output.WriteLine($"a = 3, reference: {summary.Describe()}");
        Assert.True(summary.Final.Accuracy > undefended, $"a = 3 with the reference {summary.Final.Accuracy:P1}, first aggregate {undefended:P1}");
        Assert.True(summary.Final.Accuracy > clean - 0.03, $"a = 3 with the reference {summary.Final.Accuracy:P1} against {clean:P1}");
        Assert.True(summary.Rejections.GetValueOrDefault(RejectionReason.AggregateFar) > 0);
        Assert.Contains("\"aggregate_far\":", telemetry, StringComparison.Ordinal);
    }

    [Fact]
    public void ByzantineAggregator_OneAggregatorAndTheChangeBound_TrainsReferencesInsteadOfPoison()
    {
        var one = Run(Scenario(AttackKinds.Aggregator, 0.2));
        var bounded = Scenario(AttackKinds.Aggregator, 0.2);
        bounded.Protocol.Robustness.AggregateDefence = Protocol.AggregateDefences.Reference;
        bounded.Protocol.Robustness.AggregateMaxChange = 1.5;

        var (_, summary, _) = ScenarioRuns.Execute(bounded);

        output.WriteLine($"a = 1, reference, change bound 1.5: {summary.Describe()}");
        Assert.True(summary.Final.Accuracy > one, $"a = 1 with the bound {summary.Final.Accuracy:P1}, without {one:P1}");
        Assert.True(summary.Rejections.GetValueOrDefault(RejectionReason.AggregateChange) > 0);
    }

    [Fact]
    public void AttackScenario_SameSeed_SameTelemetryBytes()
    {
        foreach (var kind in new[] { AttackKinds.Noise, AttackKinds.Alie, AttackKinds.LabelFlip, AttackKinds.Aggregator })
        {
            var scenario = Scenario(kind, 0.2);
            scenario.Stop.Rounds = 20;
            var again = Scenario(kind, 0.2);
            again.Stop.Rounds = 20;
            Assert.Equal(ScenarioRuns.Execute(scenario).Telemetry, ScenarioRuns.Execute(again).Telemetry);
        }
    }

    private double Run(Scenario scenario)
    {
        var (_, summary, _) = ScenarioRuns.Execute(scenario);
        output.WriteLine($"{scenario.Attack.Kind} {scenario.Attack.Fraction} {scenario.Protocol.Robustness.Rule} a={scenario.Protocol.Aggregators}: {summary.Describe()}");
        return summary.Final.Accuracy;
    }

    private static ByzantineAttack Attack(string kind) => new(Scenario(kind, 0.2));

    // The quickstart on the synthetic task, IID, 60 rounds.
    private static Scenario Scenario(string kind, double fraction, int seed = 1)
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Seed = seed;
        scenario.Learning.Alpha = 0;
        scenario.Stop.Rounds = 60;
        scenario.Attack = new AttackSection { Kind = kind, Fraction = fraction };
        return scenario;
    }
}
