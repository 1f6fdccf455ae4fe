using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Decentral.Learning;

namespace Decentral.Aggregation;

/// <summary>A model and its FedAvg weight (the number of samples it was trained on).</summary>
/// <param name="Model">The model.</param>
/// <param name="Weight">Its weight: non-negative and finite.</param>
public readonly record struct WeightedModel(ModelVector Model, double Weight);

/// <summary>
/// Weighted FedAvg when all models are at hand (an aggregator's collected round): the default
/// aggregation of the protocol and of the baselines (<see cref="MeanRule"/>).
/// Computes exactly the bits <see cref="FedAvgAccumulator"/> computes when the models are added
/// in list order, at memory speed and without allocating: it walks the parameters 16 at a time
/// and, for each group, adds every model in list order into double sums held in registers, so
/// each input is read once and nothing but the result is written. Every element gets the same
/// operations in the same order as the accumulator's (one double multiply and one add per model,
/// never fused, then one division), so the bits do not depend on the SIMD width either.
/// </summary>
/// <remarks>
/// The s input streams run ahead of the hardware prefetcher (measured: half the speed without
/// help), so the loop asks for each stream's cache line <see cref="PrefetchAhead"/> floats ahead
/// with a prefetch hint (x86 only; docs/benchmarks/aggregation.md).
/// </remarks>
public static class FedAvg
{
    // 512 floats = 2 KiB ahead per model: 256-512 measured best for s = 10 models of 1M parameters.
    private const int PrefetchAhead = 512;

    // 16 floats per step: four vectors of four doubles, independent chains that hide the add latency.
    private const int Step = 16;

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
        var check = Validate(models, destination.Length, out var totalWeight);
        if (!check.Ok)
        {
            return check;
        }

        // All weights zero: the plain mean, i.e. every model with weight 1 (as the accumulator does).
        var uniform = totalWeight == 0;
        var divisor = uniform ? models.Count : totalWeight;
        var rows = ArrayPool<float[]>.Shared.Rent(models.Count);
        var weights = ArrayPool<double>.Shared.Rent(models.Count);
        try
        {
            // Zero weights add nothing (the accumulator skips them too).
            var count = 0;
            for (var k = 0; k < models.Count; k++)
            {
                var weight = uniform ? 1.0 : models[k].Weight;
                if (weight > 0)
                {
                    rows[count] = models[k].Model.Parameters;
                    weights[count++] = weight;
                }
            }

            var done = Vector256.IsHardwareAccelerated ? Columns(rows, weights, count, divisor, destination) : 0;
            for (var i = done; i < destination.Length; i++)
            {
                var sum = 0.0;
                for (var k = 0; k < count; k++)
                {
                    sum += weights[k] * rows[k][i];
                }

                destination[i] = (float)(sum / divisor);
            }
        }
        finally
        {
            ArrayPool<float[]>.Shared.Return(rows, clearArray: true);
            ArrayPool<double>.Shared.Return(weights);
        }

        return AggregationResult.Success;
    }

    // The vector part: whole steps of 16; returns how many elements it wrote.
    private static int Columns(float[][] rows, double[] weights, int count, double divisor, Span<float> destination)
    {
        var length = destination.Length - (destination.Length % Step);
        var d = Vector256.Create(divisor);
        ref var target = ref MemoryMarshal.GetReference(destination);
        for (var i = 0; i < length; i += Step)
        {
            var a0 = Vector256<double>.Zero;
            var a1 = a0;
            var a2 = a0;
            var a3 = a0;
            var prefetch = Sse.IsSupported && i + PrefetchAhead < length;
            for (var k = 0; k < count; k++)
            {
                ref var row = ref MemoryMarshal.GetArrayDataReference(rows[k]);
                if (prefetch)
                {
                    Prefetch(ref row, i + PrefetchAhead);
                }

                var w = Vector256.Create(weights[k]);
                var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref row, (nuint)i));
                var (l1, h1) = Vector256.Widen(Vector256.LoadUnsafe(ref row, (nuint)(i + 8)));
                a0 += l0 * w;
                a1 += h0 * w;
                a2 += l1 * w;
                a3 += h1 * w;
            }

            Vector256.Narrow(a0 / d, a1 / d).StoreUnsafe(ref target, (nuint)i);
            Vector256.Narrow(a2 / d, a3 / d).StoreUnsafe(ref target, (nuint)(i + 8));
        }

        return length;
    }

    // A hint only: the address is never read by the program, and a prefetch cannot fault, so the
    // raw pointer needs no pinning (if the array moved, the hint is merely wasted). The offset is
    // added to the pointer, not to the ref, so no managed reference outside an array is formed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref float row, int offset) =>
        Sse.Prefetch0((float*)Unsafe.AsPointer(ref row) + offset);

    private static AggregationResult Validate(IReadOnlyList<WeightedModel> models, int length, out double totalWeight)
    {
        totalWeight = 0;
        if (models.Count == 0)
        {
            return new AggregationResult(AggregationError.Empty);
        }

        var layoutId = models[0].Model.LayoutId;
        for (var k = 0; k < models.Count; k++)
        {
            var (model, weight) = models[k];
            if (!string.Equals(model.LayoutId, layoutId, StringComparison.Ordinal))
            {
                return new AggregationResult(AggregationError.LayoutMismatch);
            }

            if (model.Length != length)
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
}
