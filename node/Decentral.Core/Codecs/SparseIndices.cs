namespace Decentral.Codecs;

/// <summary>
/// The index list of a sparse body: ascending indices as gaps (the first index + 1, then each
/// index minus the one before), each an unsigned LEB128 varint. Every gap of a valid list is at
/// least 1, so a repeated index shows as a gap of 0; top-k at 10% has gaps of about 10, one byte.
/// </summary>
internal static class SparseIndices
{
    /// <summary>The longest varint of a 32-bit gap.</summary>
    public const int MaxGapBytes = 5;

    /// <summary>Bytes the gaps of <paramref name="indices"/> (ascending) take.</summary>
    public static int EncodedLength(ReadOnlySpan<int> indices)
    {
        var length = 0;
        var previous = -1;
        foreach (var index in indices)
        {
            length += VarintLength((uint)(index - previous));
            previous = index;
        }

        return length;
    }

    /// <summary>Writes the gaps of <paramref name="indices"/> (ascending); returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<int> indices, Span<byte> destination)
    {
        var written = 0;
        var previous = -1;
        foreach (var index in indices)
        {
            var gap = (uint)(index - previous);
            previous = index;
            while (gap >= 0x80)
            {
                destination[written++] = (byte)(gap | 0x80);
                gap >>= 7;
            }

            destination[written++] = (byte)gap;
        }

        return written;
    }

    /// <summary>Why a gap list is invalid.</summary>
    public enum Problem
    {
        /// <summary>Valid.</summary>
        None,

        /// <summary>A varint is cut short, too long, or bytes follow the last gap.</summary>
        Malformed,

        /// <summary>A gap of zero: an index repeats.</summary>
        Repeated,

        /// <summary>An index reaches past the model.</summary>
        OutOfRange,
    }

    /// <summary>
    /// Reads exactly <paramref name="indices"/>.Length gaps from all of <paramref name="source"/>
    /// into indices, checking each index is below <paramref name="length"/> and above the one before.
    /// </summary>
    public static Problem TryRead(ReadOnlySpan<byte> source, int length, Span<int> indices, out int where)
    {
        var position = 0;
        long previous = -1;
        for (where = 0; where < indices.Length; where++)
        {
            uint gap = 0;
            var shift = 0;
            while (true)
            {
                if (position >= source.Length || shift >= 7 * MaxGapBytes)
                {
                    return Problem.Malformed;
                }

                var b = source[position++];
                if (shift == 28 && (b & 0x7F) > 0x0F)
                {
                    return Problem.Malformed; // more than 32 bits
                }

                gap |= (uint)(b & 0x7F) << shift;
                shift += 7;
                if (b < 0x80)
                {
                    break;
                }
            }

            if (gap == 0)
            {
                return Problem.Repeated;
            }

            previous += gap;
            if (previous >= length)
            {
                return Problem.OutOfRange;
            }

            indices[where] = (int)previous;
        }

        where = indices.Length;
        return position == source.Length ? Problem.None : Problem.Malformed;
    }

    private static int VarintLength(uint value) => value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : value < 1u << 21 ? 3 : value < 1u << 28 ? 4 : 5;
}
