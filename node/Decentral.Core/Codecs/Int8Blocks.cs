using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Decentral.Codecs;

/// <summary>
/// Blockwise 8-bit quantization: each block of values gets the scale s = max|x| / 127 (float32)
/// and every value becomes q = round(x / s) in [-127, 127]; decoding is q * s. Error bound of a
/// round trip: |x - q s| &lt;= s / 2 (plus float rounding, below |x| * 2^-22), so the error is
/// relative to the block's largest magnitude. A block whose largest magnitude is below the
/// smallest normal float (1.2e-38, including all-zero blocks) or NaN (a diverged trainer) is sent
/// as zeros with scale 1, so a scale on the wire is never zero or NaN (receivers reject those); a
/// block holding an infinity gets the infinite scale and zeros, which receivers reject as they
/// would the infinite fp32 value. The vector paths (AVX-512, AVX2, portable) write the same bytes
/// as the scalar definition.
/// </summary>
internal static partial class Int8Blocks
{
    /// <summary>The largest |q|: the encoder never writes -128 and receivers reject it, so q * s stays finite whenever 127 * s is.</summary>
    private const float MaxQuantized = 127f;

    /// <summary>The smallest normal float32; a smaller scale would lose precision or underflow to zero.</summary>
    private const float MinNormal = 1.17549435e-38f;

    // Floats of differences taken at a time off the AVX-512 path (32 KiB: stays in the first-level cache).
    private const int DifferenceChunk = 8192;

    /// <summary>Scales for <paramref name="length"/> values in blocks of <paramref name="blockSize"/>.</summary>
    public static int ScaleCount(int length, int blockSize) => (int)(((long)length + blockSize - 1) / blockSize);

    /// <summary>
    /// Quantizes <paramref name="values"/>: scales (float32, little-endian, one per block) into
    /// <paramref name="scales"/> and one signed byte per value into <paramref name="quantized"/>.
    /// </summary>
    public static void Encode(ReadOnlySpan<float> values, int blockSize, Span<byte> scales, Span<byte> quantized) =>
        Encode(values, blockSize, scales, quantized, VectorPaths.Best);

    /// <summary><see cref="Encode(ReadOnlySpan{float}, int, Span{byte}, Span{byte})"/> on a given path (the tests compare them).</summary>
    internal static void Encode(ReadOnlySpan<float> values, int blockSize, Span<byte> scales, Span<byte> quantized, VectorPath path)
    {
        var q = MemoryMarshal.Cast<byte, sbyte>(quantized);
        if (path == VectorPath.Avx512)
        {
            Encode512(new Values(values), blockSize, scales, q);
            return;
        }

        for (int block = 0, start = 0; start < values.Length; block++, start += blockSize)
        {
            var length = Math.Min(blockSize, values.Length - start);
            var chunk = values.Slice(start, length);
            var scale = MaxMagnitude(chunk, path) / 127f;
            if (Quantizes(ref scale, q.Slice(start, length)))
            {
                QuantizeBlock(chunk, 1f / scale, q.Slice(start, length), path);
            }

            BinaryPrimitives.WriteSingleLittleEndian(scales[(block * sizeof(float))..], scale);
        }
    }

    // The blocks on the AVX-512 path, software-pipelined: the next block's maximum is taken before
    // this block is quantized, so the two divisions that make this block's scale and its inverse
    // (a dependent chain of some 25 cycles) run beside vector work instead of stalling it, and the
    // block is read again from the first-level cache. The same bytes as one block at a time.
    private static void Encode512<TSource>(TSource source, int blockSize, Span<byte> scales, Span<sbyte> q)
        where TSource : struct, IBlockSource<TSource>, allows ref struct
    {
        var next = MaxMagnitude512(source.Slice(0, Math.Min(blockSize, source.Length)));
        for (int block = 0, start = 0; start < source.Length; block++, start += blockSize)
        {
            var length = Math.Min(blockSize, source.Length - start);
            var scale = next / 127f;
            var following = start + blockSize;
            if (following < source.Length)
            {
                next = MaxMagnitude512(source.Slice(following, Math.Min(blockSize, source.Length - following)));
            }

            if (Quantizes(ref scale, q.Slice(start, length)))
            {
                Quantize512(source.Slice(start, length), 1f / scale, q.Slice(start, length));
            }

            BinaryPrimitives.WriteSingleLittleEndian(scales[(block * sizeof(float))..], scale);
        }
    }

    /// <summary>
    /// <see cref="Encode(ReadOnlySpan{float}, int, Span{byte}, Span{byte})"/> of
    /// <paramref name="minuend"/> - <paramref name="subtrahend"/> (the float differences, a trained
    /// model's delta from its start): the same bytes, without a buffer for the differences on the
    /// AVX-512 path (each block is read twice from the two inputs, the second time from cache).
    /// </summary>
    public static void EncodeDifference(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend, int blockSize, Span<byte> scales, Span<byte> quantized) =>
        EncodeDifference(minuend, subtrahend, blockSize, scales, quantized, VectorPaths.Best);

    /// <summary><see cref="EncodeDifference(ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{byte}, Span{byte})"/> on a given path.</summary>
    internal static void EncodeDifference(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend, int blockSize, Span<byte> scales, Span<byte> quantized, VectorPath path)
    {
        if (subtrahend.Length != minuend.Length)
        {
            throw new ArgumentException($"{minuend.Length} and {subtrahend.Length} values.", nameof(subtrahend));
        }

        if (path != VectorPath.Avx512)
        {
            // The differences of whole blocks, a cache-sized piece at a time, through Encode.
            var chunk = Math.Max(1, DifferenceChunk / blockSize) * blockSize;
            var scratch = ArrayPool<float>.Shared.Rent(Math.Min(chunk, minuend.Length));
            try
            {
                for (var at = 0; at < minuend.Length; at += chunk)
                {
                    var count = Math.Min(chunk, minuend.Length - at);
                    var differences = scratch.AsSpan(0, count);
                    TensorPrimitives.Subtract(minuend.Slice(at, count), subtrahend.Slice(at, count), differences);
                    Encode(differences, blockSize, scales.Slice(at / blockSize * sizeof(float), ScaleCount(count, blockSize) * sizeof(float)), quantized.Slice(at, count), path);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }

            return;
        }

        Encode512(new Differences(minuend, subtrahend), blockSize, scales, MemoryMarshal.Cast<byte, sbyte>(quantized));
    }

    // The scale a block's values are quantized with, or (false) the block goes as zeros: with scale
    // 1 when its largest magnitude is below the smallest normal float or NaN; with the infinite
    // scale when it holds an infinity (x / scale is 0 for every finite x and NaN, so 0, for an
    // infinite one; receivers reject the scale as they reject an infinite fp32 value).
    private static bool Quantizes(ref float scale, Span<sbyte> block)
    {
        if (!(scale >= MinNormal))
        {
            scale = 1f;
        }
        else if (!float.IsPositiveInfinity(scale))
        {
            return true;
        }

        block.Clear();
        return false;
    }

    /// <summary>Writes q * s for every value into <paramref name="destination"/> (its length is the value count).</summary>
    public static void Decode(ReadOnlySpan<byte> scales, ReadOnlySpan<byte> quantized, int blockSize, Span<float> destination) =>
        Decode(scales, quantized, blockSize, destination, VectorPaths.Best);

    /// <summary><see cref="Decode(ReadOnlySpan{byte}, ReadOnlySpan{byte}, int, Span{float})"/> on a given path.</summary>
    internal static void Decode(ReadOnlySpan<byte> scales, ReadOnlySpan<byte> quantized, int blockSize, Span<float> destination, VectorPath path)
    {
        var q = MemoryMarshal.Cast<byte, sbyte>(quantized);
        for (int block = 0, start = 0; start < destination.Length; block++, start += blockSize)
        {
            var length = Math.Min(blockSize, destination.Length - start);
            var scale = BinaryPrimitives.ReadSingleLittleEndian(scales[(block * sizeof(float))..]);
            DequantizeBlock(q.Slice(start, length), scale, destination.Slice(start, length), path);
        }
    }

    /// <summary>Index of the first quantized value -128 (outside [-127, 127]), or -1.</summary>
    public static int IndexOfOutOfRange(ReadOnlySpan<byte> quantized) => quantized.IndexOf((byte)0x80);

    /// <summary>
    /// Checks every scale: finite, positive, and small enough that no quantized value decodes to
    /// infinity. Returns the index of the first bad scale (and why), or -1.
    /// </summary>
    public static int IndexOfBadScale(ReadOnlySpan<byte> scales, out bool decodesInfinite)
    {
        decodesInfinite = false;
        for (var i = 0; i < scales.Length / sizeof(float); i++)
        {
            var scale = BinaryPrimitives.ReadSingleLittleEndian(scales[(i * sizeof(float))..]);
            if (!float.IsFinite(scale) || scale <= 0)
            {
                return i;
            }

            if (!float.IsFinite(scale * MaxQuantized))
            {
                decodesInfinite = true;
                return i;
            }
        }

        return -1;
    }

    // max |x| of a block, inline (a library call per 256 values costs more than the scan). Max
    // propagates NaN (IEEE 754-2019 maximum), so a block holding a NaN gets a NaN scale and is sent
    // as zeros, as documented above.
    private static float MaxMagnitude(ReadOnlySpan<float> values, VectorPath path)
    {
        var i = 0;
        var max = 0f;
        if (path != VectorPath.Scalar && values.Length >= Vector256<float>.Count)
        {
            ref var source = ref MemoryMarshal.GetReference(values);
            var m = Vector256<float>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                m = Vector256.Max(m, Vector256.Abs(Vector256.LoadUnsafe(ref source, (nuint)i)));
            }

            for (var lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = MathF.Max(max, m.GetElement(lane));
            }
        }

        for (; i < values.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(values[i]));
        }

        return max;
    }

    // The same maximum on the magnitude bits as integers: for floats without their sign the order
    // of the bits is the order of the values, and every NaN is above infinity, so the result is
    // MathF.Max's, a NaN included (its bits may differ, which the caller does not look at).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxMagnitude512<TSource>(TSource values)
        where TSource : struct, IBlockSource<TSource>, allows ref struct
    {
        var mask = Vector512.Create(0x7FFFFFFF);
        var m0 = Vector512<int>.Zero;
        var m1 = Vector512<int>.Zero;
        var i = 0;
        for (; i <= values.Length - (2 * Vector512<int>.Count); i += 2 * Vector512<int>.Count)
        {
            m0 = Vector512.Max(m0, values.Load(i).AsInt32() & mask);
            m1 = Vector512.Max(m1, values.Load(i + Vector512<int>.Count).AsInt32() & mask);
        }

        var m = Vector512.Max(m0, m1);
        var half = Vector256.Max(m.GetLower(), m.GetUpper());
        var max = Vector128.Max(half.GetLower(), half.GetUpper());
        max = Vector128.Max(max, Vector128.Shuffle(max, Vector128.Create(2, 3, 0, 1)));
        var result = Vector128.Max(max, Vector128.Shuffle(max, Vector128.Create(1, 0, 3, 2))).ToScalar();
        for (; i < values.Length; i++)
        {
            result = Math.Max(result, BitConverter.SingleToInt32Bits(values[i]) & 0x7FFFFFFF);
        }

        return BitConverter.Int32BitsToSingle(result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuantizeBlock(ReadOnlySpan<float> values, float inverse, Span<sbyte> destination, VectorPath path)
    {
        var i = 0;
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var target = ref MemoryMarshal.GetReference(destination);
        if (path == VectorPath.Avx2)
        {
            // cvtps2dq rounds to nearest even (the default rounding mode, as MathF.Round), and the
            // packs saturate, which for values already within [-127, 127] is the identity; the
            // packs interleave 128-bit lanes, the permutation puts the 32 bytes back in order.
            var inv = Vector256.Create(inverse);
            var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            for (; i <= values.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var a = Avx.ConvertToVector256Int32(Vector256.LoadUnsafe(ref source, (nuint)i) * inv);
                var b = Avx.ConvertToVector256Int32(Vector256.LoadUnsafe(ref source, (nuint)(i + 8)) * inv);
                var c = Avx.ConvertToVector256Int32(Vector256.LoadUnsafe(ref source, (nuint)(i + 16)) * inv);
                var d = Avx.ConvertToVector256Int32(Vector256.LoadUnsafe(ref source, (nuint)(i + 24)) * inv);
                var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(a, b), Avx2.PackSignedSaturate(c, d));
                Avx2.PermuteVar8x32(packed.AsInt32(), order).AsSByte().StoreUnsafe(ref target, (nuint)i);
            }
        }
        else if (path == VectorPath.Vector256)
        {
            var inv = Vector256.Create(inverse);
            var low = Vector256.Create(-127);
            var high = Vector256.Create(127);
            for (; i <= values.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var a = Quantize(Vector256.LoadUnsafe(ref source, (nuint)i), inv, low, high);
                var b = Quantize(Vector256.LoadUnsafe(ref source, (nuint)(i + 8)), inv, low, high);
                var c = Quantize(Vector256.LoadUnsafe(ref source, (nuint)(i + 16)), inv, low, high);
                var d = Quantize(Vector256.LoadUnsafe(ref source, (nuint)(i + 24)), inv, low, high);
                Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            destination[i] = (sbyte)Math.Clamp((int)MathF.Round(values[i] * inverse), -127, 127);
        }
    }

    // vcvtps2dq rounds to nearest even; the maximum makes -128 impossible and the packs' saturation
    // does the clamp at 127, so the bytes are the scalar tail's. The packs work within 128-bit
    // lanes (dword j of lane l holds 4 bytes of input vector j's lane l): the permutation puts the
    // 64 bytes back in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quantize512<TSource>(TSource values, float inverse, Span<sbyte> destination)
        where TSource : struct, IBlockSource<TSource>, allows ref struct
    {
        var i = 0;
        ref var target = ref MemoryMarshal.GetReference(destination);
        var inv = Vector512.Create(inverse);
        var low = Vector512.Create(-127);
        var order = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        for (; i <= values.Length - Vector512<sbyte>.Count; i += Vector512<sbyte>.Count)
        {
            var a = Vector512.Max(Avx512F.ConvertToVector512Int32(values.Load(i) * inv), low);
            var b = Vector512.Max(Avx512F.ConvertToVector512Int32(values.Load(i + 16) * inv), low);
            var c = Vector512.Max(Avx512F.ConvertToVector512Int32(values.Load(i + 32) * inv), low);
            var d = Vector512.Max(Avx512F.ConvertToVector512Int32(values.Load(i + 48) * inv), low);
            var packed = Avx512BW.PackSignedSaturate(Avx512BW.PackSignedSaturate(a, b), Avx512BW.PackSignedSaturate(c, d));
            Avx512F.PermuteVar16x32(packed.AsInt32(), order).AsSByte().StoreUnsafe(ref target, (nuint)i);
        }

        for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var q = Vector512.Max(Avx512F.ConvertToVector512Int32(values.Load(i) * inv), low);
            Avx512F.ConvertToVector128SByteWithSaturation(q).StoreUnsafe(ref target, (nuint)i);
        }

        for (; i < values.Length; i++)
        {
            destination[i] = (sbyte)Math.Clamp((int)MathF.Round(values[i] * inverse), -127, 127);
        }
    }

    // Same operations as the scalar tail (multiply, round half to even, clamp), so both give the same bytes.
    private static Vector256<int> Quantize(Vector256<float> values, Vector256<float> inverse, Vector256<int> low, Vector256<int> high) =>
        Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(Vector256.Round(values * inverse)), low), high);

    private static void DequantizeBlock(ReadOnlySpan<sbyte> quantized, float scale, Span<float> destination, VectorPath path)
    {
        var i = 0;
        if (path == VectorPath.Avx512)
        {
            var s = Vector512.Create(scale);
            ref var source = ref MemoryMarshal.GetReference(quantized);
            ref var target = ref MemoryMarshal.GetReference(destination);
            for (; i <= quantized.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var q = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref source, (nuint)i));
                (Vector512.ConvertToSingle(q) * s).StoreUnsafe(ref target, (nuint)i);
            }
        }
        else if (path != VectorPath.Scalar)
        {
            var s = Vector256.Create(scale);
            ref var source = ref MemoryMarshal.GetReference(quantized);
            ref var target = ref MemoryMarshal.GetReference(destination);
            for (; i <= quantized.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                var (a, b) = Vector256.Widen(low);
                var (c, d) = Vector256.Widen(high);
                (Vector256.ConvertToSingle(a) * s).StoreUnsafe(ref target, (nuint)i);
                (Vector256.ConvertToSingle(b) * s).StoreUnsafe(ref target, (nuint)(i + 8));
                (Vector256.ConvertToSingle(c) * s).StoreUnsafe(ref target, (nuint)(i + 16));
                (Vector256.ConvertToSingle(d) * s).StoreUnsafe(ref target, (nuint)(i + 24));
            }
        }

        for (; i < quantized.Length; i++)
        {
            destination[i] = quantized[i] * scale;
        }
    }
}
