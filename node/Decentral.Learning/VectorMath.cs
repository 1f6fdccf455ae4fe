using System.Numerics;
using System.Runtime.InteropServices;

namespace Decentral.Learning;

/// <summary>
/// The two SIMD kernels of the modelled learner, on <see cref="Vector{T}"/> (8 or 16 floats per
/// step on this hardware): softmax regression spends nearly all its time in dot products
/// (forward) and scaled adds (gradient), both over the feature dimension.
/// </summary>
public static class VectorMath
{
    /// <summary>Sum of x[i] * y[i]; the spans must have equal length.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("Spans must have equal length.", nameof(y));
        }

        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            var acc = Vector<float>.Zero;
            for (int v = 0; v < vx.Length; v++)
            {
                acc += vx[v] * vy[v];
            }

            sum = Vector.Sum(acc);
            i = vx.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>y[i] += a * x[i]; the spans must have equal length.</summary>
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("Spans must have equal length.", nameof(y));
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            var va = new Vector<float>(a);
            for (int v = 0; v < vx.Length; v++)
            {
                vy[v] += va * vx[v];
            }

            i = vx.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }
}
