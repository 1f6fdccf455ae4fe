using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Decentral.Aggregation;

/// <summary>
/// Squared L2 distances between models, summed in double. The lanes are fixed at 8 floats (two
/// <see cref="Vector256{T}"/> of double) whatever the machine, and the lanes are added in one
/// fixed order, so a distance has the same bits on every machine (hardware-accelerated where
/// AVX is, emulated with the same arithmetic elsewhere).
/// </summary>
internal static class Distances
{
    // Pairwise distances walk the coordinates in blocks of this many floats (8 KiB per model),
    // so the block of every model stays in L2 while all pairs are summed over it.
    private const int BlockLength = 2048;
    private const int Lanes = 8;

    /// <summary>sum over i of (a[i] - b[i])^2, in double.</summary>
    public static double Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Lengths differ ({a.Length} and {b.Length}).", nameof(b));
        }

        var end = a.Length - (a.Length % Lanes);
        var low = Vector256<double>.Zero;
        var high = Vector256<double>.Zero;
        ref var x = ref MemoryMarshal.GetReference(a);
        ref var y = ref MemoryMarshal.GetReference(b);
        for (var i = 0; i < end; i += Lanes)
        {
            var d = Vector256.LoadUnsafe(ref x, (nuint)i) - Vector256.LoadUnsafe(ref y, (nuint)i);
            var dl = Vector256.WidenLower(d);
            var du = Vector256.WidenUpper(d);
            low += dl * dl;
            high += du * du;
        }

        var sum = low + high;
        var total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
        for (var i = end; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    /// <summary>
    /// Fills <paramref name="matrix"/> (n × n, row-major) with the squared distances between every
    /// pair of <paramref name="rows"/> (the first <paramref name="length"/> values of each); the
    /// diagonal is 0.
    /// </summary>
    public static void Pairwise(ReadOnlySpan<float[]> rows, int length, Span<double> matrix)
    {
        var n = rows.Length;
        matrix[..(n * n)].Clear();
        for (var start = 0; start < length; start += BlockLength)
        {
            var block = Math.Min(BlockLength, length - start);
            for (var i = 0; i < n; i++)
            {
                var a = rows[i].AsSpan(start, block);
                for (var j = i + 1; j < n; j++)
                {
                    matrix[(i * n) + j] += Squared(a, rows[j].AsSpan(start, block));
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                matrix[(j * n) + i] = matrix[(i * n) + j];
            }
        }
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the two middle ones for an even count); sorts a copy.</summary>
    public static double Median(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
