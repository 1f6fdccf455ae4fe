using Decentral.Aggregation;
using Decentral.Learning;
using Decentral.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Aggregation;

/// <summary>A round of honest models plus outliers, as the properties draw them.</summary>
/// <param name="Honest">The honest models' parameters.</param>
/// <param name="Outliers">The outliers' parameters (any finite values, far or near).</param>
/// <param name="Order">A permutation of all models (honest first, then outliers, before it is applied).</param>
public sealed record RoundCase(float[][] Honest, float[][] Outliers, int[] Order)
{
    /// <summary>All models in the drawn order.</summary>
    public float[][] All => [.. Order.Select(i => i < Honest.Length ? Honest[i] : Outliers[i - Honest.Length])];

    /// <inheritdoc />
    public override string ToString() => $"{Honest.Length} honest, {Outliers.Length} outliers, length {Honest[0].Length}";
}

public sealed class RobustRuleProperties
{
    private static readonly string[] EveryRule = [.. AggregationRules.Names];

    [Property(MaxTest = 200)]
    public Property MedianAndTrimmedMean_IdenticalModels_GiveThatModel() =>
        Prop.ForAll(ModelGen(1, 70).ToArbitrary(), Gen.Choose(1, 12).ToArbitrary(), (model, n) =>
        {
            foreach (var rule in new[] { Rule(AggregationRules.Median), Rule(AggregationRules.TrimmedMean, trim: 0.3) })
            {
                var result = Aggregate(rule, [.. Enumerable.Repeat(model, n)]);
                Assert.Equal(model, result);
            }
        });

    [Property(MaxTest = 200)]
    public Property EveryRule_IdenticalModels_GiveThatModelWithinRounding() =>
        Prop.ForAll(ModelGen(1, 40).ToArbitrary(), Gen.Choose(3, 12).ToArbitrary(), (model, n) =>
        {
            foreach (var name in EveryRule)
            {
                var result = Aggregate(Rule(name), [.. Enumerable.Repeat(model, n)]);
                for (var i = 0; i < model.Length; i++)
                {
                    Assert.True(Math.Abs(result[i] - model[i]) <= 1e-6 * Math.Max(1, Math.Abs(model[i])), $"{name}: {result[i]} vs {model[i]}");
                }
            }
        });

    [Property(MaxTest = 300)]
    public Property MedianAndTrimmedMean_FewerOutliersThanTrimmed_StayInHonestRange() =>
        Prop.ForAll(Cases(maxOutlierShare: 0.5).ToArbitrary(), c =>
        {
            var n = c.Honest.Length + c.Outliers.Length;
            var trim = TrimFractionCutting(c.Outliers.Length, n);
            var rules = new List<IAggregationRule> { Rule(AggregationRules.TrimmedMean, trim: trim) };
            if (c.Outliers.Length < c.Honest.Length)
            {
                rules.Add(Rule(AggregationRules.Median));
            }

            foreach (var rule in rules)
            {
                AssertWithinHonestRange(c, Aggregate(rule, c.All), slack: 0, rule.Name);
            }
        });

    [Property(MaxTest = 200)]
    public Property Krum_FarOutliersAndHonestMajority_PicksAnHonestModel() =>
        Prop.ForAll(Cases(maxOutlierShare: 0.3, far: true).ToArbitrary(), c =>
        {
            // Krum's guarantee needs n > 2f + 2; the outliers here are far, so the winner is honest.
            var f = c.Outliers.Length;
            var n = c.Honest.Length + f;
            if (n < (2 * f) + 3)
            {
                return;
            }

            var rule = Rule(AggregationRules.Krum, krumByzantine: f, krumSelect: Math.Max(1, c.Honest.Length - f));
            AssertWithinHonestRange(c, Aggregate(rule, c.All), slack: 0, "multi-krum");
            var single = Aggregate(Rule(AggregationRules.Krum, krumByzantine: f), c.All);
            Assert.Contains(c.Honest, h => h.SequenceEqual(single));
        });

    [Property(MaxTest = 200)]
    public Property ClippedMean_AnyOutliers_StaysWithinTheClipRadiusOfTheMedian() =>
        Prop.ForAll(Cases(maxOutlierShare: 0.45).ToArbitrary(), Gen.Choose(1, 50).ToArbitrary(), (c, tenths) =>
        {
            var radius = tenths / 10.0;
            var all = c.All;
            var result = Aggregate(Rule(AggregationRules.ClippedMean, clipNorm: radius), all);
            var centre = Aggregate(Rule(AggregationRules.Median), all);
            var distance = Math.Sqrt(result.Zip(centre, (a, b) => (double)(a - b) * (a - b)).Sum());
            Assert.True(distance <= (radius * (1 + 1e-5)) + 1e-5, $"{distance} > {radius}");
        });

    [Property(MaxTest = 200)]
    public Property EveryRule_PermutedInputs_SameResult() =>
        Prop.ForAll(Cases(maxOutlierShare: 0.3).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (c, seed) =>
        {
            var all = c.All;
            var shuffled = all.ToArray();
            new Random(seed).Shuffle(shuffled);
            foreach (var name in EveryRule)
            {
                var rule = Rule(name, krumByzantine: 1);
                var a = Aggregate(rule, all);
                var b = Aggregate(rule, shuffled);

                // Order statistics and Krum's choice do not depend on the order; sums may round differently.
                var exact = name is AggregationRules.Median or AggregationRules.TrimmedMean or AggregationRules.Krum;
                for (var i = 0; i < a.Length; i++)
                {
                    Assert.True(exact ? a[i] == b[i] : Math.Abs(a[i] - b[i]) <= 1e-5 * Math.Max(1, Math.Abs(a[i])), $"{name} at {i}: {a[i]} vs {b[i]}");
                }
            }
        });

    [Property(MaxTest = 150)]
    public Property EveryRule_SharedBaseAdded_ResultMovesByTheBase() =>
        Prop.ForAll(Cases(maxOutlierShare: 0.3, grid: true).ToArbitrary(), (c) =>
        {
            // Deltas against one shared base: combine(deltas) + base = combine(deltas + base). On a
            // grid of 1/1024 steps every sum and difference is exact in float, so Krum's distances,
            // and with them its choice, are the same both ways (as they are in exact arithmetic).
            var deltas = c.All;
            var baseModel = Enumerable.Range(0, deltas[0].Length).Select(i => OnGrid(Math.Sin(i + 1) * 100)).ToArray();
            var models = deltas.Select(d => d.Zip(baseModel, (x, b) => x + b).ToArray()).ToArray();
            foreach (var name in EveryRule)
            {
                var rule = Rule(name, krumByzantine: 1);
                var fromDeltas = Aggregate(rule, deltas);
                var fromModels = Aggregate(rule, models);
                for (var i = 0; i < baseModel.Length; i++)
                {
                    var expected = fromDeltas[i] + baseModel[i];
                    Assert.True(Math.Abs(fromModels[i] - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{name} at {i}: {fromModels[i]} vs {expected}");
                }
            }
        });

    [Fact]
    public void EveryRule_BadInput_IsAnErrorAndWritesNothing()
    {
        var good = new WeightedModel(new ModelVector("m", [1f, 2f]), 1);
        foreach (var name in EveryRule)
        {
            var rule = Rule(name);
            var destination = new[] { 9f, 9f };

            Assert.Equal(AggregationError.Empty, rule.Aggregate([], destination).Error);
            Assert.Equal(AggregationError.LayoutMismatch, rule.Aggregate([good, new(new ModelVector("x", [1f, 2f]), 1)], destination).Error);
            Assert.Equal(AggregationError.LengthMismatch, rule.Aggregate([good, new(new ModelVector("m", [1f]), 1)], destination).Error);
            Assert.Equal([9f, 9f], destination);
        }
    }

    [Fact]
    public void TrimmedMean_TenModels_CutsTwoAtEachEnd()
    {
        float[][] models = [[1f], [2f], [3f], [4f], [5f], [6f], [7f], [8f], [900f], [-900f]];

        var result = Aggregate(Rule(AggregationRules.TrimmedMean, trim: 0.2), models);

        // Sorted: -900 1 | 2 3 4 5 6 7 | 8 900: the mean of the middle six.
        Assert.Equal(4.5f, result[0]);
    }

    [Fact]
    public void Median_EvenCount_IsMeanOfTheMiddleTwo()
    {
        var result = Aggregate(Rule(AggregationRules.Median), [[1f, -5f], [2f, 5f], [10f, 0f], [-100f, 1f]]);

        Assert.Equal(new[] { 1.5f, 0.5f }, result);
    }

    internal static IAggregationRule Rule(string name, double trim = 0.2, double clipNorm = 0, int krumByzantine = 1, int krumSelect = 1) =>
        new RobustnessOptions { Rule = name, TrimFraction = trim, ClipNorm = clipNorm, KrumByzantine = krumByzantine, KrumSelect = krumSelect }.CreateRule();

    internal static float[] Aggregate(IAggregationRule rule, float[][] models)
    {
        var result = new float[models[0].Length];
        var outcome = rule.Aggregate([.. models.Select(m => new WeightedModel(new ModelVector("m", m), 1))], result);
        Assert.True(outcome.Ok, outcome.Error.ToString());
        return result;
    }

    // The smallest trim fraction (as the rule floors it) that cuts at least `outliers` values at each end.
    private static double TrimFractionCutting(int outliers, int n) => Math.Min(0.4999, (outliers + 0.5) / n);

    private static void AssertWithinHonestRange(RoundCase c, float[] result, double slack, string rule)
    {
        for (var i = 0; i < result.Length; i++)
        {
            var low = c.Honest.Min(h => h[i]);
            var high = c.Honest.Max(h => h[i]);
            Assert.True(result[i] >= low - slack && result[i] <= high + slack, $"{rule} at {i}: {result[i]} outside [{low}, {high}] ({c})");
        }
    }

    private static Gen<float[]> ModelGen(int minLength, int maxLength) =>
        from length in Gen.Choose(minLength, maxLength)
        from values in Gen.Choose(-1000, 1000).Select(v => v / 100f).ArrayOf(length)
        select values;

    // Honest models near one point, and fewer outliers than maxOutlierShare of the round: anywhere
    // (far: 1000 times as far out as the honest spread, in a random direction).
    private static Gen<RoundCase> Cases(double maxOutlierShare, bool far = false, bool grid = false) =>
        from length in Gen.Choose(1, 40)
        from honestCount in Gen.Choose(3, 12)
        from outlierCount in Gen.Choose(0, Math.Min(honestCount - 1, (int)Math.Floor(maxOutlierShare * honestCount / (1 - maxOutlierShare))))
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(length, honestCount, outlierCount, seed, far, grid);

    private static float OnGrid(double value) => (float)(Math.Round(value * 1024) / 1024);

    private static RoundCase Build(int length, int honestCount, int outlierCount, int seed, bool far, bool grid)
    {
        var random = new Random(seed);
        var centre = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var honest = Enumerable.Range(0, honestCount).Select(_ => centre.Select(c => c + (float)((random.NextDouble() - 0.5) * 0.2)).ToArray()).ToArray();
        var outliers = Enumerable.Range(0, outlierCount).Select(_ => centre.Select(c => far
            ? c + (float)((random.Next(2) * 2) - 1) * (100f + (float)random.NextDouble() * 1000f)
            : (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(0, 7)))).ToArray()).ToArray();
        if (grid)
        {
            // Within 2^12 of zero in steps of 2^-10: 22 significant bits, and sums with a base
            // below 2^10 stay within float's 24.
            honest = [.. honest.Select(h => h.Select(v => OnGrid(v)).ToArray())];
            outliers = [.. outliers.Select(o => o.Select(v => OnGrid(Math.Clamp(v, -4000, 4000))).ToArray())];
        }

        var order = Enumerable.Range(0, honestCount + outlierCount).ToArray();
        random.Shuffle(order);
        return new RoundCase(honest, outliers, order);
    }
}
