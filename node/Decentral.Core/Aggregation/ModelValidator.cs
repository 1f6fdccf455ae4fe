using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using Decentral.Learning;

namespace Decentral.Aggregation;

/// <summary>Why a node refused a model (telemetry counts each).</summary>
public enum RejectionReason : byte
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>Another layout or length than the round's (the most common one among its models).</summary>
    Layout = 1,

    /// <summary>A NaN or infinite parameter.</summary>
    NonFinite = 2,

    /// <summary>Its distance from the round's coordinate-wise median exceeds the absolute or relative bound.</summary>
    Norm = 3,

    /// <summary>Its round tag is too far ahead of this node's round estimate.</summary>
    RoundAhead = 4,

    /// <summary>Its sender does not rank where the round's trainers (or aggregators) rank in the order.</summary>
    Rank = 5,

    /// <summary>An aggregate came as a delta; aggregates are whole models.</summary>
    DeltaAggregate = 6,

    /// <summary>A trained delta's base could be had from none of the trainers that named it: the delta is left out of its round.</summary>
    BaseUnavailable = 7,

    /// <summary>A delta's layout or length differs from its base's.</summary>
    BaseMismatch = 8,

    /// <summary>A base reply nobody asked for (or from another peer than the one asked).</summary>
    UnrequestedBase = 9,

    /// <summary>A base reply whose parameters do not have the hash asked for (or that is itself a delta).</summary>
    BaseHashMismatch = 10,

    /// <summary>
    /// A trainer's reference defence: an aggregate further from the trainer's reference model than
    /// <c>aggregateFarRatio</c> times the distance of the round's closest aggregate (not trained).
    /// </summary>
    AggregateFar = 11,

    /// <summary>
    /// A trainer's reference defence: an aggregate further from the trainer's reference model than
    /// <c>aggregateMaxChange</c> times the reference's norm (not trained; if none is left, the
    /// trainer trains its reference).
    /// </summary>
    AggregateChange = 12,
}

/// <summary>One model a validator refused: its index in the input list and why.</summary>
/// <param name="Index">Position in the validated list.</param>
/// <param name="Reason">Why.</param>
public readonly record struct Rejection(int Index, RejectionReason Reason);

/// <summary>The models that passed validation (in input order) and the ones that did not.</summary>
/// <param name="Accepted">Models kept, in input order.</param>
/// <param name="Rejections">Models refused, in input order.</param>
public sealed record ValidationOutcome(IReadOnlyList<WeightedModel> Accepted, IReadOnlyList<Rejection> Rejections);

/// <summary>
/// Checks the models of one round before they are aggregated: layout and length (always: models
/// of another shape cannot be combined), finite values, and an L2 bound on each model's distance
/// from the coordinate-wise median of the round's models, absolute or relative to the median of
/// those distances. Stateless; one instance per node.
/// </summary>
/// <remarks>
/// Why the distance from the median and not the plain norm of a model: an aggregator does not hold
/// the model its trainers started from, and a model's own norm hardly moves when a trainer sends
/// the start plus ten times its update (the start dominates the norm). The distance from the
/// round's median grows with the update: a scaled or noisy model stands out, honest ones have
/// about the same distance. It needs no base, is the same for models and for deltas against a
/// shared base, and the median is not moved by fewer than half of the models.
/// </remarks>
/// <param name="rejectNonFinite">Refuse models with NaN or infinite parameters.</param>
/// <param name="maxNorm">Absolute bound on the distance from the median; 0 = none.</param>
/// <param name="maxNormRatio">Bound relative to the median distance; 0 = none.</param>
public sealed class ModelValidator(bool rejectNonFinite, double maxNorm, double maxNormRatio)
{
    /// <summary>True when the norm of each model has to be measured (a bound is set).</summary>
    public bool ChecksNorms => maxNorm > 0 || maxNormRatio > 0;

    /// <summary>Validates one round's models, given in canonical order.</summary>
    public ValidationOutcome Validate(IReadOnlyList<WeightedModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var rejections = new List<Rejection>();
        if (models.Count == 0)
        {
            return new ValidationOutcome([], rejections);
        }

        // The layout and size most models have (ties: the first in canonical order) is the round's,
        // so one stray model of another shape is left out rather than deciding the round.
        var shape = models.Select(m => (m.Model.LayoutId, m.Model.Length))
            .GroupBy(s => s)
            .OrderByDescending(g => g.Count())
            .First().Key;
        var kept = new List<int>(models.Count);
        for (var k = 0; k < models.Count; k++)
        {
            var model = models[k].Model;
            if ((model.LayoutId, model.Length) != shape)
            {
                rejections.Add(new Rejection(k, RejectionReason.Layout));
            }
            else if (rejectNonFinite && !IsFinite(model))
            {
                rejections.Add(new Rejection(k, RejectionReason.NonFinite));
            }
            else
            {
                kept.Add(k);
            }
        }

        if (ChecksNorms && kept.Count > 0)
        {
            kept = CheckNorms(models, kept, rejections);
        }

        rejections.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new ValidationOutcome([.. kept.Select(k => models[k])], rejections);
    }

    /// <summary>
    /// The distance of each model from the coordinate-wise median of all of them, in list order.
    /// Every model must have the same length.
    /// </summary>
    public static double[] DistancesFromMedian(IReadOnlyList<ModelVector> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            return [];
        }

        var length = models[0].Length;
        var rows = models.Select(m => m.Parameters).ToArray();
        var centre = ArrayPool<float>.Shared.Rent(length);
        var c = centre.AsSpan(0, length);
        OrderStatistics.MeanOfSortedRange(rows, (rows.Length - 1) / 2, (rows.Length / 2) + 1, c);
        var distances = new double[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            distances[k] = Math.Sqrt(Distances.Squared(rows[k].AsSpan(0, length), c));
        }

        ArrayPool<float>.Shared.Return(centre);
        return distances;
    }

    private static bool IsFinite(ModelVector model)
    {
        // A finite float times zero is zero; a NaN or an infinity gives NaN, which stays NaN in a
        // sum: one pass without a branch tells.
        var parameters = model.Parameters.AsSpan();
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(parameters);
        var acc = Vector<float>.Zero;
        foreach (var v in vectors)
        {
            acc += v * Vector<float>.Zero;
        }

        var sum = Vector.Sum(acc);
        for (var i = vectors.Length * Vector<float>.Count; i < parameters.Length; i++)
        {
            sum += parameters[i] * 0f;
        }

        return sum == 0f;
    }

    private List<int> CheckNorms(IReadOnlyList<WeightedModel> models, List<int> kept, List<Rejection> rejections)
    {
        var distances = DistancesFromMedian([.. kept.Select(k => models[k].Model)]);
        var bound = double.PositiveInfinity;
        if (maxNorm > 0)
        {
            bound = maxNorm;
        }

        // Two models sit at the same distance from their median: a relative bound needs three.
        if (maxNormRatio > 0 && distances.Length >= 3)
        {
            bound = Math.Min(bound, maxNormRatio * Distances.Median(distances));
        }

        var passed = new List<int>(kept.Count);
        for (var t = 0; t < kept.Count; t++)
        {
            if (distances[t] > bound)
            {
                rejections.Add(new Rejection(kept[t], RejectionReason.Norm));
            }
            else
            {
                passed.Add(kept[t]);
            }
        }

        return passed;
    }
}
