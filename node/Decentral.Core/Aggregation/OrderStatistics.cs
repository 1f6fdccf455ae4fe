using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Decentral.Aggregation;

/// <summary>
/// Coordinate-wise order statistics of n models: for every coordinate, the mean of the values at
/// sorted positions [low, high) (the median and the trimmed mean are both such a range). The
/// vector path loads one <see cref="Vector{T}"/> from each model and sorts the n vectors with a
/// sorting network (Batcher's odd-even merge sort, pruned to n) built from lane-wise min and max,
/// so it sorts Vector&lt;float&gt;.Count coordinates at once without a branch; the scalar path
/// (and tail) runs the same network on one coordinate.
/// </summary>
/// <remarks>
/// Bits: both paths sort to the same values, sum the kept positions in ascending order in double
/// and divide once, so the result does not depend on the SIMD width. The one difference a network
/// of min/max can make, where a -0 and a +0 land, is removed by adding +0.0 to each result, so a
/// zero is always +0. Inputs must be finite (the validator refuses NaN and infinities first).
/// </remarks>
internal static class OrderStatistics
{
    // Up to this many models the vectors live on the stack (64 x 64 bytes at most).
    private const int StackModels = 64;
    private static readonly ConcurrentDictionary<int, Comparator[]> Networks = new();

    /// <summary>A compare-exchange: after it, position Low holds the smaller value and High the larger.</summary>
    internal readonly record struct Comparator(int Low, int High);

    /// <summary>
    /// Writes, for each coordinate i, the mean of the sorted values of <c>rows[k][i]</c> at positions
    /// [<paramref name="low"/>, <paramref name="high"/>) into <paramref name="destination"/>.
    /// Every row must be at least as long as the destination.
    /// </summary>
    public static void MeanOfSortedRange(ReadOnlySpan<float[]> rows, int low, int high, Span<float> destination)
    {
        var n = rows.Length;
        if (n == 0 || low < 0 || high > n || low >= high)
        {
            throw new ArgumentOutOfRangeException(nameof(low), $"Positions [{low}, {high}) do not fit {n} models.");
        }

        var network = Network(n);
        var length = destination.Length;
        var done = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            done = VectorPath(rows, network, low, high, destination);
        }

        Span<float> column = n <= StackModels ? stackalloc float[n] : new float[n];
        for (var i = done; i < length; i++)
        {
            for (var k = 0; k < n; k++)
            {
                column[k] = rows[k][i];
            }

            destination[i] = SortedRangeMean(column, network, low, high);
        }
    }

    /// <summary>The mean of positions [low, high) of <paramref name="values"/> once sorted (the values are sorted in place).</summary>
    public static float SortedRangeMean(Span<float> values, Comparator[] network, int low, int high)
    {
        foreach (var (a, b) in network)
        {
            var x = values[a];
            var y = values[b];
            values[a] = Math.Min(x, y);
            values[b] = Math.Max(x, y);
        }

        double sum = values[low];
        for (var p = low + 1; p < high; p++)
        {
            sum += values[p];
        }

        return (float)((sum / (high - low)) + 0.0);
    }

    /// <summary>The sorting network for <paramref name="n"/> values (cached per n).</summary>
    public static Comparator[] Network(int n) => Networks.GetOrAdd(n, Build);

    // Batcher's odd-even merge sort for the next power of two, keeping only the comparators whose
    // two positions are below n: the missing positions behave as +infinity, which never moves.
    private static Comparator[] Build(int n)
    {
        var size = 1;
        while (size < n)
        {
            size <<= 1;
        }

        var comparators = new List<Comparator>();
        for (var p = 1; p < size; p <<= 1)
        {
            for (var k = p; k >= 1; k >>= 1)
            {
                for (var j = k % p; j + k < size; j += 2 * k)
                {
                    for (var i = 0; i < k && i + j + k < size; i++)
                    {
                        var a = i + j;
                        var b = i + j + k;
                        if (a / (2 * p) == b / (2 * p) && b < n)
                        {
                            comparators.Add(new Comparator(a, b));
                        }
                    }
                }
            }
        }

        return [.. comparators];
    }

    private static int VectorPath(ReadOnlySpan<float[]> rows, Comparator[] network, int low, int high, Span<float> destination)
    {
        var n = rows.Length;
        var width = Vector<float>.Count;
        var vectors = n <= StackModels ? stackalloc Vector<float>[StackModels] : new Vector<float>[n];
        vectors = vectors[..n];
        var divisor = new Vector<double>(high - low);
        var end = destination.Length - (destination.Length % width);
        for (var i = 0; i < end; i += width)
        {
            for (var k = 0; k < n; k++)
            {
                vectors[k] = Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(rows[k]), (nuint)i);
            }

            SortVectors(vectors, network);
            Vector.Widen(vectors[low], out var lower, out var upper);
            for (var p = low + 1; p < high; p++)
            {
                Vector.Widen(vectors[p], out var l, out var u);
                lower += l;
                upper += u;
            }

            var result = Vector.Narrow((lower / divisor) + Vector<double>.Zero, (upper / divisor) + Vector<double>.Zero);
            result.StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)i);
        }

        return end;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SortVectors(Span<Vector<float>> vectors, Comparator[] network)
    {
        foreach (var (a, b) in network)
        {
            var x = vectors[a];
            var y = vectors[b];
            vectors[a] = Vector.MinNative(x, y);
            vectors[b] = Vector.MaxNative(x, y);
        }
    }
}
