using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Decentral.Codecs;

/// <summary>
/// float32 to IEEE half and back (vectorized by TensorPrimitives). Error bound of a round trip:
/// |x - decode(encode(x))| &lt;= max(|x| * 2^-11, 2^-25) for |x| &lt;= 65504 (round to nearest);
/// larger magnitudes saturate to ±65504 instead of becoming infinite, so an encoder never emits
/// a value a receiver must reject.
/// </summary>
internal static class Float16Values
{
    // A half is infinite or NaN exactly when its five exponent bits are all set.
    private const ushort ExponentMask = 0x7C00;
    private const ushort MagnitudeMask = 0x7FFF;
    private const ushort MaxFinite = 0x7BFF;

    /// <summary>Writes <paramref name="values"/> as little-endian halves into <paramref name="destination"/> (2 bytes each).</summary>
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var halves = MemoryMarshal.Cast<byte, Half>(destination[..(values.Length * 2)]);
        TensorPrimitives.ConvertToHalf(values, halves);
        var bits = MemoryMarshal.Cast<Half, ushort>(halves);
        if (IndexOfNonFinite(bits) >= 0)
        {
            Saturate(bits);
        }

        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
    }

    /// <summary>Reads little-endian halves from <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var halves = MemoryMarshal.Cast<byte, Half>(source[..(destination.Length * 2)]);
        if (BitConverter.IsLittleEndian)
        {
            TensorPrimitives.ConvertToSingle(halves, destination);
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(i * 2)..]);
        }
    }

    /// <summary>Index of the first infinite or NaN half among the little-endian halves of <paramref name="source"/>, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<byte> source)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(source);
        if (BitConverter.IsLittleEndian)
        {
            return IndexOfNonFinite(bits);
        }

        for (var i = 0; i < bits.Length; i++)
        {
            if ((BinaryPrimitives.ReverseEndianness(bits[i]) & ExponentMask) == ExponentMask)
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<ushort> bits)
    {
        var start = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<ushort, Vector<ushort>>(bits);
            var mask = new Vector<ushort>(ExponentMask);
            var v = 0;
            while (v < vectors.Length && !Vector.EqualsAny(vectors[v] & mask, mask))
            {
                v++;
            }

            // The scalar loop finds the exact index inside the first matching vector, or scans the tail.
            start = v * Vector<ushort>.Count;
        }

        for (var i = start; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentMask) == ExponentMask)
            {
                return i;
            }
        }

        return -1;
    }

    // Rare (a magnitude above 65504): clamp infinities to the largest finite half, keeping the sign.
    // A NaN (a trainer that diverged) stays NaN, so the receiver rejects it as it would in fp32.
    private static void Saturate(Span<ushort> bits)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            if ((bits[i] & MagnitudeMask) == ExponentMask)
            {
                bits[i] = (ushort)((bits[i] & ~MagnitudeMask) | MaxFinite);
            }
        }
    }
}
