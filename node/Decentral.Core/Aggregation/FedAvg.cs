using Decentral.Learning;

namespace Decentral.Aggregation;

/// <summary>A model and its FedAvg weight (the number of samples it was trained on).</summary>
/// <param name="Model">The model.</param>
/// <param name="Weight">Its weight: non-negative and finite.</param>
public readonly record struct WeightedModel(ModelVector Model, double Weight);

/// <summary>Parameters (any memory: a model's array, a pooled buffer) and their FedAvg weight.</summary>
/// <param name="Parameters">The parameters, in layout order.</param>
/// <param name="Weight">Their weight: non-negative and finite.</param>
public readonly record struct WeightedParameters(ReadOnlyMemory<float> Parameters, double Weight);

/// <summary>
/// Weighted FedAvg when all models are at hand (an aggregator's collected round): the default
/// aggregation of the protocol and of the baselines.
/// Computes exactly the bits <see cref="FedAvgAccumulator"/> computes when the models are added
/// in list order, but walks the parameters in cache-sized blocks, summing every model into the
/// block before moving on: the double sums stay in the L1 cache instead of streaming a buffer
/// twice the model's size through memory once per model, and nothing is allocated.
/// </summary>
public static class FedAvg
{
    // 2048 doubles = 16 KiB of sums: fits L1 next to the streamed inputs; a multiple of every SIMD width.
    private const int BlockLength = 2048;

    /// <summary>
    /// Writes the weighted average of <paramref name="models"/> (summed in list order) into
    /// <paramref name="destination"/>. Same rules as <see cref="FedAvgAccumulator"/>: every model
    /// must have the first model's layout and the destination's length; zero weights have no
    /// influence unless all weights are zero, in which case the plain mean is written.
    /// On error nothing is written.
    /// </summary>
    public static AggregationResult Average(IReadOnlyList<WeightedModel> models, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(models);
        for (var k = 1; k < models.Count; k++)
        {
            if (!string.Equals(models[k].Model.LayoutId, models[0].Model.LayoutId, StringComparison.Ordinal))
            {
                return new AggregationResult(AggregationError.LayoutMismatch);
            }
        }

        return Average(new ModelInputs(models), destination);
    }

    /// <summary>
    /// Writes the weighted average of <paramref name="models"/> (summed in list order) into
    /// <paramref name="destination"/>: the same computation as the <see cref="WeightedModel"/>
    /// overload over parameters held anywhere (the caller has checked that they share a layout).
    /// On error nothing is written.
    /// </summary>
    public static AggregationResult Average(IReadOnlyList<WeightedParameters> models, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(models);
        return Average(new ParameterInputs(models), destination);
    }

    // Generic over a struct so the JIT specializes the loop for each input shape: no boxing, no delegates.
    private static AggregationResult Average<TInputs>(TInputs models, Span<float> destination)
        where TInputs : struct, IInputs
    {
        var check = Validate(models, destination.Length, out var totalWeight);
        if (!check.Ok)
        {
            return check;
        }

        // All weights zero: the plain mean, i.e. every model with weight 1 (as the accumulator does).
        var uniform = totalWeight == 0;
        var divisor = uniform ? models.Count : totalWeight;
        Span<double> sums = stackalloc double[BlockLength];
        for (var start = 0; start < destination.Length; start += BlockLength)
        {
            var length = Math.Min(BlockLength, destination.Length - start);
            var block = sums[..length];
            block.Clear();
            for (var k = 0; k < models.Count; k++)
            {
                var weight = uniform ? 1.0 : models.Weight(k);
                if (weight > 0)
                {
                    WeightedSum.AddScaled(block, models.Parameters(k).Slice(start, length), weight);
                }
            }

            WeightedSum.Divide(block, divisor, destination.Slice(start, length));
        }

        return AggregationResult.Success;
    }

    private static AggregationResult Validate<TInputs>(TInputs models, int length, out double totalWeight)
        where TInputs : struct, IInputs
    {
        totalWeight = 0;
        if (models.Count == 0)
        {
            return new AggregationResult(AggregationError.Empty);
        }

        for (var k = 0; k < models.Count; k++)
        {
            var weight = models.Weight(k);
            if (models.Parameters(k).Length != length)
            {
                return new AggregationResult(AggregationError.LengthMismatch);
            }

            if (!double.IsFinite(weight) || weight < 0)
            {
                return new AggregationResult(AggregationError.InvalidWeight);
            }

            // Same summation order as the accumulator's running total, so the divisor has the same bits.
            totalWeight += weight;
        }

        return AggregationResult.Success;
    }

    private interface IInputs
    {
        int Count { get; }

        ReadOnlySpan<float> Parameters(int k);

        double Weight(int k);
    }

    private readonly struct ModelInputs(IReadOnlyList<WeightedModel> models) : IInputs
    {
        public int Count => models.Count;

        public ReadOnlySpan<float> Parameters(int k) => models[k].Model.Parameters;

        public double Weight(int k) => models[k].Weight;
    }

    private readonly struct ParameterInputs(IReadOnlyList<WeightedParameters> models) : IInputs
    {
        public int Count => models.Count;

        public ReadOnlySpan<float> Parameters(int k) => models[k].Parameters.Span;

        public double Weight(int k) => models[k].Weight;
    }
}
