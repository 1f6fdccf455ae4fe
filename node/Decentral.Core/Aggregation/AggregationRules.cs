using System.Buffers;
using Decentral.Protocol;

namespace Decentral.Aggregation;

/// <summary>
/// How an aggregator combines the models of a round into one. The weighted mean (FedAvg) is the
/// default; the robust rules bound what a minority of poisoned models can do to the result.
/// Implementations are stateless and may be shared.
/// </summary>
public interface IAggregationRule
{
    /// <summary>The rule's name as in <see cref="RobustnessOptions.Rule"/>.</summary>
    string Name { get; }

    /// <summary>
    /// Writes the combination of <paramref name="models"/> into <paramref name="destination"/>.
    /// Every model must have the first model's layout and the destination's length; on error
    /// nothing is written. The models must be finite (<see cref="ModelValidator"/>).
    /// </summary>
    AggregationResult Aggregate(IReadOnlyList<WeightedModel> models, Span<float> destination);
}

/// <summary>
/// The aggregation rules by name, and the factory that builds one from <see cref="RobustnessOptions"/>.
/// </summary>
/// <remarks>
/// Weights: only the mean uses the sample counts. The robust rules count every model once,
/// because a sample count is a claim its sender makes (an attacker would claim millions), and
/// MoDeST trainers all train the same number of samples per round (batch × local steps), so
/// honest weights are equal anyway.
/// Shift: every robust rule commutes with adding one vector b to all inputs (the median,
/// trimmed mean and clipped mean move by b, Krum picks the same models), so deltas against a
/// shared base, combined and added to the base, give the combination of the models.
/// </remarks>
public static class AggregationRules
{
    /// <summary>Weighted mean by sample counts (FedAvg), the default.</summary>
    public const string Mean = "mean";

    /// <summary>Coordinate-wise median (Yin et al. 2018).</summary>
    public const string Median = "median";

    /// <summary>Coordinate-wise trimmed mean (Yin et al. 2018).</summary>
    public const string TrimmedMean = "trimmedMean";

    /// <summary>Mean after clipping each model's distance from the coordinate-wise median (norm clipping, Sun et al. 2019; centred as Karimireddy et al. 2021).</summary>
    public const string ClippedMean = "clippedMean";

    /// <summary>Krum and multi-Krum (Blanchard et al. 2017).</summary>
    public const string Krum = "krum";

    /// <summary>Every rule name.</summary>
    public static IReadOnlyList<string> Names { get; } = [Mean, Median, TrimmedMean, ClippedMean, Krum];

    /// <summary>The rule <paramref name="options"/> select (validate them first).</summary>
    public static IAggregationRule Create(RobustnessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Rule switch
        {
            Mean => MeanRule.Instance,
            Median => MedianRule.Instance,
            TrimmedMean => new TrimmedMeanRule(options.TrimFraction),
            ClippedMean => new ClippedMeanRule(options.ClipRatio, options.ClipNorm),
            Krum => new KrumRule(options.KrumByzantine, options.KrumSelect),
            _ => throw new ArgumentException($"Unknown aggregation rule \"{options.Rule}\" (known: {string.Join(", ", Names)}).", nameof(options)),
        };
    }

    /// <summary>
    /// Checks that there is a model, that all share the first one's layout and the destination's
    /// length, and rents an array of their parameter arrays (give it back with <see cref="Return"/>).
    /// </summary>
    internal static AggregationResult Rows(IReadOnlyList<WeightedModel> models, int length, out float[][] rows)
    {
        ArgumentNullException.ThrowIfNull(models);
        rows = [];
        if (models.Count == 0)
        {
            return new AggregationResult(AggregationError.Empty);
        }

        var layout = models[0].Model.LayoutId;
        foreach (var (model, _) in models)
        {
            if (!string.Equals(model.LayoutId, layout, StringComparison.Ordinal))
            {
                return new AggregationResult(AggregationError.LayoutMismatch);
            }

            if (model.Length != length)
            {
                return new AggregationResult(AggregationError.LengthMismatch);
            }
        }

        rows = ArrayPool<float[]>.Shared.Rent(models.Count);
        for (var k = 0; k < models.Count; k++)
        {
            rows[k] = models[k].Model.Parameters;
        }

        return AggregationResult.Success;
    }

    /// <summary>Gives back an array from <see cref="Rows"/>.</summary>
    internal static void Return(float[][] rows)
    {
        if (rows.Length > 0)
        {
            ArrayPool<float[]>.Shared.Return(rows, clearArray: true);
        }
    }
}
