using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using MessagePack;

namespace Decentral.Wire;

/// <summary>
/// Moves model parameters between float spans and the wire's little-endian float32 bytes, and
/// finds non-finite values. On little-endian machines (all the targets) both directions are
/// plain memory copies; the byte-swapping path exists so the format does not depend on the host.
/// </summary>
internal static class FloatPayload
{
    // Big-endian hosts swap in chunks so a pooled writer is never asked for one huge span.
    private const int SwapChunkFloats = 16 * 1024;

    // A float is NaN or infinite exactly when all its exponent bits are set.
    private const int ExponentMask = 0x7F800000;

    /// <summary>Index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        var start = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<int, Vector<int>>(bits);
            var mask = new Vector<int>(ExponentMask);
            for (var v = 0; v < vectors.Length; v++)
            {
                if (Vector.EqualsAny(vectors[v] & mask, mask))
                {
                    // Rare (the message is rejected): find the exact index with the scalar loop.
                    start = v * Vector<int>.Count;
                    return ScalarIndexOfNonFinite(bits, start);
                }
            }

            start = vectors.Length * Vector<int>.Count;
        }

        return ScalarIndexOfNonFinite(bits, start);
    }

    /// <summary>Copies little-endian float32 bytes into <paramref name="destination"/> (lengths must match).</summary>
    public static void ReadLittleEndian(in ReadOnlySequence<byte> source, Span<float> destination)
    {
        source.CopyTo(MemoryMarshal.AsBytes(destination));
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    /// <summary>Copies little-endian float32 bytes into <paramref name="destination"/> (lengths must match).</summary>
    public static void ReadLittleEndian(ReadOnlySpan<byte> source, Span<float> destination)
    {
        source.CopyTo(MemoryMarshal.AsBytes(destination));
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    /// <summary>Writes <paramref name="values"/> as little-endian float32 bytes into <paramref name="destination"/>.</summary>
    public static void WriteLittleEndian(ReadOnlySpan<float> values, Span<byte> destination)
    {
        MemoryMarshal.AsBytes(values).CopyTo(destination);
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<byte, int>(destination[..(values.Length * sizeof(float))]);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    /// <summary>Writes <paramref name="values"/> as little-endian float32 bytes (the bin header is the caller's).</summary>
    public static void WriteLittleEndian(ref MessagePackWriter writer, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            writer.WriteRaw(MemoryMarshal.AsBytes(values));
            return;
        }

        while (!values.IsEmpty)
        {
            var span = writer.GetSpan(Math.Min(values.Length, SwapChunkFloats) * sizeof(float));
            var count = Math.Min(values.Length, span.Length / sizeof(float));
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[(i * sizeof(float))..], values[i]);
            }

            writer.Advance(count * sizeof(float));
            values = values[count..];
        }
    }

    private static int ScalarIndexOfNonFinite(ReadOnlySpan<int> bits, int start)
    {
        for (var i = start; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentMask) == ExponentMask)
            {
                return i;
            }
        }

        return -1;
    }
}
