using Decentral.Aggregation;
using Decentral.Learning;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Aggregation;

public sealed class ReferenceSelectorTests
{
    private static readonly ModelVector Reference = new("test", [1f, 2f, -1f, 0.5f]);

    [Property(MaxTest = 300)]
    public Property Choose_PermutedCandidates_ChoosesTheSameModel() =>
        Prop.ForAll(Candidates().ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (candidates, seed) =>
        {
            var shuffled = candidates.ToArray();
            new Random(seed).Shuffle(shuffled);
            var first = ReferenceSelector.Choose(candidates, Reference, farRatio: 1.5, maxChangeRatio: 2);
            var second = ReferenceSelector.Choose(shuffled, Reference, farRatio: 1.5, maxChangeRatio: 2);
            return first.TrainsReference == second.TrainsReference
                && (first.TrainsReference || ReferenceEquals(candidates[first.Chosen], shuffled[second.Chosen]))
                && first.Rejections.Count == second.Rejections.Count;
        });

    [Property(MaxTest = 300)]
    public Property Choose_AnyCandidates_ChoosesTheClosestWithinTheBoundAndRefusesTheRest() =>
        Prop.ForAll(Candidates().ToArbitrary(), candidates =>
        {
            var choice = ReferenceSelector.Choose(candidates, Reference, farRatio: 1.5, maxChangeRatio: 2);
            var bound = 2 * Distance(Reference, new ModelVector("test", new float[4]));
            var distances = candidates.Select(c => Distance(c, Reference)).ToArray();
            var within = Enumerable.Range(0, candidates.Length).Where(i => distances[i] <= bound).ToArray();
            var changed = choice.Rejections.Where(r => r.Reason == RejectionReason.AggregateChange).Select(r => r.Index);
            var closest = within.Length > 0 && within.All(i => distances[choice.Chosen] <= distances[i]);
            return (within.Length == 0 ? choice.TrainsReference : closest)
                && changed.SequenceEqual(Enumerable.Range(0, candidates.Length).Except(within));
        });

    [Fact]
    public void Choose_TwoAggregatesThatDisagree_ChoosesTheOneNearTheReferenceAndCountsTheOther()
    {
        var honest = new ModelVector("test", [1.1f, 2f, -1f, 0.5f]);
        var negated = new ModelVector("test", [.. honest.Parameters.Select(p => -p)]);

        var choice = ReferenceSelector.Choose([negated, honest], Reference, farRatio: 1.5, maxChangeRatio: 0);

        Assert.Equal(1, choice.Chosen);
        Assert.Equal(new Rejection(0, RejectionReason.AggregateFar), Assert.Single(choice.Rejections));
    }

    [Fact]
    public void Choose_HonestCopiesNearTheChosenOne_AreNotRefusals()
    {
        var a = new ModelVector("test", [1.1f, 2f, -1f, 0.5f]);
        var b = new ModelVector("test", [1f, 2.1f, -1f, 0.5f]);

        var choice = ReferenceSelector.Choose([a, b], Reference, farRatio: 1.5, maxChangeRatio: 0);

        Assert.Empty(choice.Rejections);
    }

    [Fact]
    public void Choose_ZeroReference_BoundsNothing()
    {
        var zero = new ModelVector("test", new float[4]);
        var far = new ModelVector("test", [100f, 0f, 0f, 0f]);

        var choice = ReferenceSelector.Choose([far], zero, farRatio: 1.5, maxChangeRatio: 1);

        Assert.Equal(0, choice.Chosen);
        Assert.Empty(choice.Rejections);
    }

    [Fact]
    public void Choose_NoCandidates_Throws() =>
        Assert.Throws<ArgumentException>(() => ReferenceSelector.Choose([], Reference, 1.5, 0));

    private static double Distance(ModelVector a, ModelVector b) =>
        Math.Sqrt(a.Parameters.Zip(b.Parameters, (x, y) => (double)(x - y) * (x - y)).Sum());

    // One to five candidates of 4 parameters within ±10 of the reference, whole numbers plus a
    // per-candidate offset so no two are at exactly the same distance.
    private static Gen<ModelVector[]> Candidates() =>
        from count in Gen.Choose(1, 5)
        from values in Gen.Choose(-10, 10).ArrayOf(count * 4)
        select Enumerable.Range(0, count)
            .Select(c => new ModelVector("test", [.. Enumerable.Range(0, 4).Select(j => Reference.Parameters[j] + values[(c * 4) + j] + ((c + 1) * 1e-3f * (j + 1)))]))
            .ToArray();
}
