using System.Buffers;
using System.Runtime.InteropServices;

namespace Decentral.Codecs;

/// <summary>
/// Exact top-k by magnitude in linear time: a radix select over the magnitude bits of the floats
/// (for finite floats, larger magnitude = larger unsigned integer of the bits without the sign),
/// 11 + 11 + 9 bits at a time, then one pass that writes the chosen indices in ascending order.
/// Ties at the k-th magnitude go to the lowest indices, so the result is a function of the input
/// alone (deterministic). Allocates nothing: the histograms live on the stack and the candidate
/// list is rented.
/// </summary>
internal static class TopKSelector
{
    private const int HighBits = 11;
    private const int MiddleBits = 11;
    private const int LowBits = 9;
    private const uint MagnitudeMask = 0x7FFF_FFFF;

    /// <summary>
    /// Writes the indices of the <paramref name="k"/> largest magnitudes of <paramref name="values"/>
    /// (finite) into <paramref name="indices"/>, ascending. 0 &lt;= k &lt;= values.Length.
    /// </summary>
    public static void Select(ReadOnlySpan<float> values, int k, Span<int> indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, values.Length);
        if (k == 0)
        {
            return;
        }

        var keys = MemoryMarshal.Cast<float, uint>(values);
        if (k == values.Length)
        {
            for (var i = 0; i < k; i++)
            {
                indices[i] = i;
            }

            return;
        }

        // Pass 1: the top 11 bits of every magnitude (the sign bit is masked, so bit 31 is 0).
        Span<int> histogram = stackalloc int[1 << HighBits];
        histogram.Clear();
        foreach (var key in keys)
        {
            histogram[(int)((key & MagnitudeMask) >> (MiddleBits + LowBits))]++;
        }

        var high = Bucket(histogram, k, out var need);

        // Pass 2: the candidates that share the k-th magnitude's top bits, and their middle bits.
        var candidates = ArrayPool<int>.Shared.Rent(histogram[high]);
        try
        {
            var count = 0;
            histogram.Clear();
            for (var i = 0; i < keys.Length; i++)
            {
                var key = keys[i] & MagnitudeMask;
                if (key >> (MiddleBits + LowBits) == high)
                {
                    candidates[count++] = i;
                    histogram[(int)((key >> LowBits) & ((1 << MiddleBits) - 1))]++;
                }
            }

            var middle = Bucket(histogram, need, out need);

            // Pass 3 (over the candidates only): the low bits give the k-th magnitude exactly.
            var prefix = ((uint)high << MiddleBits) | (uint)middle;
            var low = histogram[..(1 << LowBits)];
            low.Clear();
            foreach (var i in candidates.AsSpan(0, count))
            {
                var key = keys[i] & MagnitudeMask;
                if (key >> LowBits == prefix)
                {
                    low[(int)(key & ((1 << LowBits) - 1))]++;
                }
            }

            var lowest = Bucket(low, need, out need);
            var threshold = (prefix << LowBits) | (uint)lowest;

            // Everything above the threshold, and the first `need` entries equal to it.
            var written = 0;
            for (var i = 0; i < keys.Length; i++)
            {
                var key = keys[i] & MagnitudeMask;
                if (key > threshold || (key == threshold && need-- > 0))
                {
                    indices[written++] = i;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(candidates);
        }
    }

    // The bucket holding the k-th largest entry, counting from the top, and how many entries of
    // that bucket are still needed (1 <= need <= its count).
    private static int Bucket(ReadOnlySpan<int> histogram, int k, out int need)
    {
        var above = 0;
        for (var b = histogram.Length - 1; b >= 0; b--)
        {
            if (above + histogram[b] >= k)
            {
                need = k - above;
                return b;
            }

            above += histogram[b];
        }

        throw new InvalidOperationException("k exceeds the number of entries.");
    }
}
