using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Decentral.Codecs;

/// <summary>
/// float32 to IEEE half and back, vectorized with integer operations (no float multiply meets a
/// subnormal, which would cost a microcode assist per element on x86). Error bound of a round
/// trip: |x - decode(encode(x))| &lt;= max(|x| * 2^-11, 2^-25) for |x| &lt;= 65504 (round to
/// nearest, ties to even, as a cast to Half); larger magnitudes saturate to ±65504 instead of
/// becoming infinite, so an encoder never emits a value a receiver must reject; a NaN (a trainer
/// that diverged) becomes a half NaN, which receivers reject as they would in fp32.
/// </summary>
internal static partial class Float16Values
{
    // A half is infinite or NaN exactly when its five exponent bits are all set.
    private const ushort ExponentMask = 0x7C00;

    // float magnitude bits: the smallest normal half (2^-14), and 65520, the first value that would round to infinity.
    private const int HalfMinNormal = 0x38800000;
    private const int HalfOverflow = 0x477FF000;
    private const int FloatInfinity = 0x7F800000;
    private const uint HalfMaxFinite = 0x7BFF;
    private const uint HalfQuietNaN = 0x7E00;

    /// <summary>
    /// Writes <paramref name="values"/> as little-endian halves into <paramref name="destination"/>
    /// (2 bytes each): on the conversion instructions where <see cref="Float16Instructions"/> has
    /// them, else on the machine's best path.
    /// </summary>
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (!Float16Instructions.IsAvailable)
        {
            Encode(values, destination, VectorPaths.Best);
            return;
        }

        // The instructions take whole blocks of 16, ToHalf the rest (a path's kernels are left to
        // the machines that need them, so their profile is not that of tails).
        var halves = MemoryMarshal.Cast<byte, ushort>(destination[..(values.Length * 2)]);
        for (var i = Float16Instructions.Encode(values, halves); i < values.Length; i++)
        {
            halves[i] = ToHalf(values[i]);
        }
    }

    /// <summary><see cref="Encode(ReadOnlySpan{float}, Span{byte})"/> on a given path (the tests compare them).</summary>
    internal static void Encode(ReadOnlySpan<float> values, Span<byte> destination, VectorPath path)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(destination[..(values.Length * 2)]);
        var done = path switch
        {
            VectorPath.Avx512 => EncodeVectors512(values, bits),
            VectorPath.Scalar => 0,
            _ => EncodeVectors(values, bits),
        };
        for (var i = done; i < values.Length; i++)
        {
            bits[i] = ToHalf(values[i]);
        }

        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
    }

    /// <summary>
    /// Writes <paramref name="minuend"/> - <paramref name="subtrahend"/> as little-endian halves
    /// (2 bytes each): the bits of <see cref="Encode(ReadOnlySpan{float}, Span{byte})"/> of the float
    /// differences, without a buffer for them (a trained model's delta from its start).
    /// </summary>
    public static void EncodeDifference(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend, Span<byte> destination)
    {
        if (!Float16Instructions.IsAvailable || subtrahend.Length != minuend.Length)
        {
            EncodeDifference(minuend, subtrahend, destination, VectorPaths.Best);
            return;
        }

        var halves = MemoryMarshal.Cast<byte, ushort>(destination[..(minuend.Length * 2)]);
        for (var i = Float16Instructions.EncodeDifference(minuend, subtrahend, halves); i < minuend.Length; i++)
        {
            halves[i] = ToHalf(minuend[i] - subtrahend[i]);
        }
    }

    /// <summary><see cref="EncodeDifference(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{byte})"/> on a given path.</summary>
    internal static void EncodeDifference(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend, Span<byte> destination, VectorPath path)
    {
        if (subtrahend.Length != minuend.Length)
        {
            throw new ArgumentException($"{minuend.Length} and {subtrahend.Length} values.", nameof(subtrahend));
        }

        var done = 0;
        if (path == VectorPath.Avx512 && BitConverter.IsLittleEndian)
        {
            done = EncodeDifferenceVectors512(minuend, subtrahend, MemoryMarshal.Cast<byte, ushort>(destination[..(minuend.Length * 2)]));
        }

        // The rest (every value off the AVX-512 path) through a differences buffer one L1-sized piece at a time.
        Span<float> differences = stackalloc float[1024];
        for (var at = done; at < minuend.Length; at += differences.Length)
        {
            var count = Math.Min(differences.Length, minuend.Length - at);
            TensorPrimitives.Subtract(minuend.Slice(at, count), subtrahend.Slice(at, count), differences[..count]);
            Encode(differences[..count], destination.Slice(at * 2, count * 2), path);
        }
    }

    // One float to half bits: the definition the vector path follows lane by lane.
    internal static ushort ToHalf(float value)
    {
        var f = BitConverter.SingleToUInt32Bits(value);
        var a = (int)(f & 0x7FFFFFFF);
        uint h;
        if (a > FloatInfinity)
        {
            h = HalfQuietNaN;
        }
        else if (a >= HalfOverflow)
        {
            h = HalfMaxFinite;
        }
        else if (a >= HalfMinNormal)
        {
            // Rebias the exponent (127 - 15) and round the 13 dropped mantissa bits half to even.
            h = (uint)(a - 0x38000000 + 0x0FFF + ((a >> 13) & 1)) >> 13;
        }
        else
        {
            // A subnormal half counts units of 2^-24: |x| * 2^24 is exact, and rounding it is the half's rounding.
            h = (uint)(int)MathF.Round(BitConverter.Int32BitsToSingle(a) * 16_777_216f);
        }

        return (ushort)(((f >> 16) & 0x8000) | h);
    }

    private static int EncodeVectors(ReadOnlySpan<float> values, Span<ushort> destination)
    {
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var target = ref MemoryMarshal.GetReference(destination);
        var length = values.Length - (values.Length % Vector256<ushort>.Count);
        for (var i = 0; i < length; i += Vector256<ushort>.Count)
        {
            var low = ToHalves(Vector256.LoadUnsafe(ref source, (nuint)i).AsInt32());
            var high = ToHalves(Vector256.LoadUnsafe(ref source, (nuint)(i + Vector256<float>.Count)).AsInt32());
            Vector256.Narrow(low, high).StoreUnsafe(ref target, (nuint)i);
        }

        return length;
    }

    private static Vector256<uint> ToHalves(Vector256<int> f)
    {
        var a = f & Vector256.Create(0x7FFFFFFF);
        var normal = (a - Vector256.Create(0x38000000) + Vector256.Create(0x0FFF) + ((a >>> 13) & Vector256<int>.One)) >>> 13;
        var scaled = a.AsSingle() * Vector256.Create(16_777_216f);
        var subnormal = Avx.IsSupported ? Avx.ConvertToVector256Int32(scaled) : Vector256.ConvertToInt32(Vector256.Round(scaled));
        var h = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(HalfMinNormal)), normal, subnormal);
        h = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(HalfOverflow)), Vector256.Create((int)HalfMaxFinite), h);
        h = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(FloatInfinity)), Vector256.Create((int)HalfQuietNaN), h);
        return (h | ((f >>> 16) & Vector256.Create(0x8000))).AsUInt32();
    }

    /// <summary>
    /// Reads little-endian halves from <paramref name="source"/> into <paramref name="destination"/>:
    /// on the conversion instructions where <see cref="Float16Instructions"/> has them, else on the
    /// machine's best path.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (!Float16Instructions.IsAvailable)
        {
            Decode(source, destination, VectorPaths.Best);
            return;
        }

        var halves = MemoryMarshal.Cast<byte, ushort>(source[..(destination.Length * 2)]);
        var done = Float16Instructions.Decode(halves, destination);
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(halves[done..]), destination[done..]);
    }

    /// <summary><see cref="Decode(ReadOnlySpan{byte}, Span{float})"/> on a given path (the tests compare them).</summary>
    internal static void Decode(ReadOnlySpan<byte> source, Span<float> destination, VectorPath path)
    {
        var halves = MemoryMarshal.Cast<byte, ushort>(source[..(destination.Length * 2)]);
        if (BitConverter.IsLittleEndian)
        {
            var done = path switch
            {
                VectorPath.Avx512 => DecodeVectors512(halves, destination),
                VectorPath.Scalar => 0,
                _ => DecodeVectors(halves, destination),
            };
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(halves[done..]), destination[done..]);
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(i * 2)..]);
        }
    }

    // Exact conversion, 16 halves at a time, with integer operations only where a float multiply
    // would meet subnormal operands (which cost a microcode assist each on x86): a normal half's
    // exponent and mantissa move into float position and the exponent bias is adjusted by an add;
    // a subnormal half is its mantissa times 2^-24 (both exact in float); infinities and NaNs
    // (exponent all ones) are built directly; the sign is copied. Bit for bit
    // TensorPrimitives.ConvertToSingle's result for every half (a test checks all 65536).
    private static int DecodeVectors(ReadOnlySpan<ushort> halves, Span<float> destination)
    {
        ref var source = ref MemoryMarshal.GetReference(halves);
        ref var target = ref MemoryMarshal.GetReference(destination);
        var length = halves.Length - (halves.Length % Vector256<ushort>.Count);
        for (var i = 0; i < length; i += Vector256<ushort>.Count)
        {
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
            Convert(low).StoreUnsafe(ref target, (nuint)i);
            Convert(high).StoreUnsafe(ref target, (nuint)(i + Vector256<float>.Count));
        }

        return length;
    }

    private static Vector256<float> Convert(Vector256<uint> h)
    {
        var exponent = h & Vector256.Create(0x7C00u);
        var mantissa = h & Vector256.Create(0x3FFu);
        var normal = ((h & Vector256.Create(0x7FFFu)) << 13) + Vector256.Create(0x38000000u); // bias 15 -> 127
        var subnormal = (Vector256.ConvertToSingle(mantissa.AsInt32()) * Vector256.Create(1f / 16_777_216)).AsUInt32(); // 2^-24

        // A NaN comes out quiet (the 0x00400000 bit set), as the library's conversion makes it.
        var quiet = ~Vector256.Equals(mantissa, Vector256<uint>.Zero) & Vector256.Create(0x00400000u);
        var special = Vector256.Create(0x7F800000u) | quiet | (mantissa << 13);
        var value = Vector256.ConditionalSelect(
            Vector256.Equals(exponent, Vector256<uint>.Zero),
            subnormal,
            Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256.Create(0x7C00u)), special, normal));
        return (value | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
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
}
