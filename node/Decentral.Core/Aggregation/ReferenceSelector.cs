using Decentral.Learning;

namespace Decentral.Aggregation;

/// <summary>
/// What a trainer starts from among the aggregates of a round, judged against its reference model
/// (the model it trained last): the aggregate closest to the reference, unless it moved further
/// from the reference than a bound allows, in which case the trainer trains its reference again.
/// </summary>
/// <param name="Chosen">Index of the chosen aggregate, or -1 when every one was refused and the reference is trained instead.</param>
/// <param name="Rejections">The aggregates refused, each with its reason.</param>
public readonly record struct ReferenceChoice(int Chosen, IReadOnlyList<Rejection> Rejections)
{
    /// <summary>True when no aggregate passed and the trainer trains its reference.</summary>
    public bool TrainsReference => Chosen < 0;
}

/// <summary>
/// The trainer-side choice of the <c>reference</c> aggregate defence (see
/// <c>RobustnessOptions.AggregateDefence</c>). Pure: the same inputs give the same choice.
/// </summary>
/// <remarks>
/// Honest aggregators of a round combine (nearly) the same trained models, so honest aggregates
/// lie close together and near the honest models of earlier rounds; a negated, scaled or noisy
/// aggregate lies far from both. A majority vote among the aggregates fails when most of a round's
/// aggregators are Byzantine (10% of rounds at f = 20%, a = 3) and cannot work at all with a = 1;
/// the trainer's own last model is one honest point it can always trust. Ties go to the lower
/// index (callers pass the aggregates in canonical sender order).
/// </remarks>
public static class ReferenceSelector
{
    /// <summary>
    /// Chooses among <paramref name="candidates"/> (same layout and length as
    /// <paramref name="reference"/>). An aggregate further from the reference than
    /// <paramref name="maxChangeRatio"/> × ‖reference‖ is refused with
    /// <see cref="RejectionReason.AggregateChange"/> (0 = no such bound; a zero reference bounds
    /// nothing); of the rest the closest is chosen, and the others further than
    /// <paramref name="farRatio"/> × the chosen one's distance are counted as refused with
    /// <see cref="RejectionReason.AggregateFar"/> (those nearer are honest copies, not refusals).
    /// </summary>
    public static ReferenceChoice Choose(IReadOnlyList<ModelVector> candidates, ModelVector reference, double farRatio, double maxChangeRatio)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentOutOfRangeException.ThrowIfLessThan(farRatio, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxChangeRatio);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("No aggregates to choose from.", nameof(candidates));
        }

        var distances = new double[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            distances[i] = Math.Sqrt(Distances.Squared(candidates[i].Parameters, reference.Parameters));
        }

        var rejections = new List<Rejection>();
        var bound = double.PositiveInfinity;
        if (maxChangeRatio > 0)
        {
            var norm = Norm(reference.Parameters);
            if (norm > 0)
            {
                bound = maxChangeRatio * norm;
            }
        }

        var chosen = -1;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (distances[i] > bound)
            {
                rejections.Add(new Rejection(i, RejectionReason.AggregateChange));
            }
            else if (chosen < 0 || distances[i] < distances[chosen])
            {
                chosen = i;
            }
        }

        if (chosen >= 0)
        {
            for (var i = 0; i < candidates.Count; i++)
            {
                if (i != chosen && distances[i] <= bound && distances[i] > farRatio * distances[chosen])
                {
                    rejections.Add(new Rejection(i, RejectionReason.AggregateFar));
                }
            }
        }

        rejections.Sort((x, y) => x.Index.CompareTo(y.Index));
        return new ReferenceChoice(chosen, rejections);
    }

    private static double Norm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += (double)v * v;
        }

        return Math.Sqrt(sum);
    }
}
