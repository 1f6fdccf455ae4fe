using Decentral.Aggregation;
using Decentral.Learning;

namespace Decentral.Core.Tests.Aggregation;

public sealed class ModelValidatorTests
{
    [Fact]
    public void Validate_DefaultChecks_KeepHonestModelsInOrder()
    {
        var models = Honest(5);

        var outcome = new ModelValidator(rejectNonFinite: true, maxNorm: 0, maxNormRatio: 0).Validate(models);

        Assert.Equal(models, outcome.Accepted);
        Assert.Empty(outcome.Rejections);
    }

    [Fact]
    public void Validate_ModelOfAnotherShape_IsRefusedAsLayout()
    {
        var models = Honest(4).ToList();
        models.Insert(1, new WeightedModel(new ModelVector("m", [1f, 2f]), 10));
        models.Add(new WeightedModel(new ModelVector("other", new float[8]), 10));

        var outcome = new ModelValidator(true, 0, 0).Validate(models);

        Assert.Equal([new Rejection(1, RejectionReason.Layout), new Rejection(5, RejectionReason.Layout)], outcome.Rejections);
        Assert.Equal(4, outcome.Accepted.Count);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Validate_NonFiniteParameter_IsRefusedUnlessTheCheckIsOff(float bad)
    {
        var models = Honest(4);
        // Past the vector-sized part too: the last element is in the scalar tail.
        for (var at = 0; at < 8; at += 7)
        {
            var poisoned = models[2].Model.Parameters.ToArray();
            poisoned[at] = bad;
            var round = models.ToArray();
            round[2] = new WeightedModel(new ModelVector("m", poisoned), 10);

            Assert.Equal([new Rejection(2, RejectionReason.NonFinite)], new ModelValidator(true, 0, 0).Validate(round).Rejections);
            Assert.Empty(new ModelValidator(false, 0, 0).Validate(round).Rejections);
        }
    }

    [Fact]
    public void Validate_RelativeNormBound_RefusesTheScaledModelOnly()
    {
        var models = Honest(5).ToArray();
        models[3] = new WeightedModel(new ModelVector("m", [.. models[3].Model.Parameters.Select(p => p * 10)]), 10);

        var outcome = new ModelValidator(true, 0, maxNormRatio: 3).Validate(models);

        Assert.Equal([new Rejection(3, RejectionReason.Norm)], outcome.Rejections);
    }

    [Fact]
    public void Validate_AbsoluteNormBound_RefusesModelsFartherFromTheMedian()
    {
        // Distances from the coordinate-wise median (all 0): 0, 1, 2, 3 along one axis.
        var models = new[] { 0f, 1f, -2f, 3f, 0f }.Select(v => new WeightedModel(new ModelVector("m", [v, 0f]), 1)).ToArray();

        var outcome = new ModelValidator(true, maxNorm: 1.5, 0).Validate(models);

        Assert.Equal([new Rejection(2, RejectionReason.Norm), new Rejection(3, RejectionReason.Norm)], outcome.Rejections);
    }

    [Fact]
    public void Validate_RelativeBoundWithTwoModels_RefusesNothing()
    {
        var models = new[] { 0f, 1000f }.Select(v => new WeightedModel(new ModelVector("m", [v]), 1)).ToArray();

        Assert.Empty(new ModelValidator(true, 0, maxNormRatio: 1.5).Validate(models).Rejections);
    }

    [Fact]
    public void DistancesFromMedian_SharedBaseAdded_SameDistances()
    {
        var deltas = Honest(5).Select(m => m.Model).ToArray();
        var models = deltas.Select(d => new ModelVector("m", [.. d.Parameters.Select((p, i) => p + (i * 3f))])).ToArray();

        var a = ModelValidator.DistancesFromMedian(deltas);
        var b = ModelValidator.DistancesFromMedian(models);

        Assert.Equal(a.Length, b.Length);
        Assert.All(a.Zip(b), p => Assert.Equal(p.First, p.Second, 4));
    }

    private static WeightedModel[] Honest(int count)
    {
        var random = new Random(count);
        return [.. Enumerable.Range(0, count).Select(_ => new WeightedModel(new ModelVector("m", [.. Enumerable.Range(0, 8).Select(i => i + (float)(random.NextDouble() * 0.1))]), 10))];
    }
}
