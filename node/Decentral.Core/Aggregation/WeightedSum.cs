using System.Numerics;
using System.Runtime.InteropServices;

namespace Decentral.Aggregation;

/// <summary>
/// The element-wise kernels of FedAvg, with a <see cref="Vector{T}"/> path and a scalar path that
/// compute bit-identical results: each element gets exactly one double multiply and one double
/// add (never a fused multiply-add, which rounds differently), and elements never interact. So
/// the result does not depend on the SIMD width of the machine, only on the order of the calls.
/// </summary>
internal static class WeightedSum
{
    /// <summary><c>sums[i] += weight * values[i]</c>, in double.</summary>
    public static void AddScaled(Span<double> sums, ReadOnlySpan<float> values, double weight)
    {
        var done = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectorValues = MemoryMarshal.Cast<float, Vector<float>>(values);
            var vectorSums = MemoryMarshal.Cast<double, Vector<double>>(sums[..(vectorValues.Length * Vector<float>.Count)]);
            var w = new Vector<double>(weight);
            for (var v = 0; v < vectorValues.Length; v++)
            {
                // One float vector widens into two double vectors: lower and upper halves.
                Vector.Widen(vectorValues[v], out var low, out var high);
                vectorSums[2 * v] += low * w;
                vectorSums[(2 * v) + 1] += high * w;
            }

            done = vectorValues.Length * Vector<float>.Count;
        }

        AddScaledScalar(sums[done..], values[done..], weight);
    }

    /// <summary><c>destination[i] = (float)(sums[i] / divisor)</c>.</summary>
    public static void Divide(ReadOnlySpan<double> sums, double divisor, Span<float> destination)
    {
        var done = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectorDestination = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var vectorSums = MemoryMarshal.Cast<double, Vector<double>>(sums[..(vectorDestination.Length * Vector<float>.Count)]);
            var d = new Vector<double>(divisor);
            for (var v = 0; v < vectorDestination.Length; v++)
            {
                vectorDestination[v] = Vector.Narrow(vectorSums[2 * v] / d, vectorSums[(2 * v) + 1] / d);
            }

            done = vectorDestination.Length * Vector<float>.Count;
        }

        DivideScalar(sums[done..], divisor, destination[done..]);
    }

    /// <summary>The scalar form of <see cref="AddScaled"/> (also its tail).</summary>
    public static void AddScaledScalar(Span<double> sums, ReadOnlySpan<float> values, double weight)
    {
        for (var i = 0; i < values.Length; i++)
        {
            sums[i] += weight * values[i];
        }
    }

    /// <summary>The scalar form of <see cref="Divide"/> (also its tail).</summary>
    public static void DivideScalar(ReadOnlySpan<double> sums, double divisor, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(sums[i] / divisor);
        }
    }
}
