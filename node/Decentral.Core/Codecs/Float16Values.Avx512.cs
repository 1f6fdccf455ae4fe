using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Decentral.Codecs;

/// <content>The AVX-512 kernels of the managed conversion (<see cref="VectorPath.Avx512"/>).</content>
internal static partial class Float16Values
{
    // EncodeVectors512 of the lane-wise differences, subtracted in registers.
    private static int EncodeDifferenceVectors512(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend, Span<ushort> destination)
    {
        ref var a = ref MemoryMarshal.GetReference(minuend);
        ref var b = ref MemoryMarshal.GetReference(subtrahend);
        ref var target = ref MemoryMarshal.GetReference(destination);
        var length = minuend.Length - (minuend.Length % (2 * Vector512<float>.Count));
        for (var i = 0; i < length; i += 2 * Vector512<float>.Count)
        {
            var second = (nuint)(i + Vector512<float>.Count);
            var low = (Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i)).AsInt32();
            var high = (Vector512.LoadUnsafe(ref a, second) - Vector512.LoadUnsafe(ref b, second)).AsInt32();
            StoreHalves(low, high, ref target, i);
        }

        return length;
    }

    // 32 floats per step, AVX-512 (16 per vector): the lane operations of ToHalf, each one
    // instruction (masked moves for the selects).
    private static int EncodeVectors512(ReadOnlySpan<float> values, Span<ushort> destination)
    {
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var target = ref MemoryMarshal.GetReference(destination);
        var length = values.Length - (values.Length % (2 * Vector512<float>.Count));
        for (var i = 0; i < length; i += 2 * Vector512<float>.Count)
        {
            StoreHalves(Vector512.LoadUnsafe(ref source, (nuint)i).AsInt32(), Vector512.LoadUnsafe(ref source, (nuint)(i + Vector512<float>.Count)).AsInt32(), ref target, i);
        }

        return length;
    }

    // The halves of 32 float bit patterns at target[i..]. A step whose values are all below 65520
    // in magnitude (every step of a model that trains) takes InRange, without the saturation and
    // NaN selects; the rest go to StoreAnyHalves, a call that ends the step, so no vector of this
    // one lives across it (spilled vectors cost more than the selects saved).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHalves(Vector512<int> low, Vector512<int> high, ref ushort target, int i)
    {
        var magnitudeMask = Vector512.Create(0x7FFFFFFF);
        var lowMagnitude = low & magnitudeMask;
        var highMagnitude = high & magnitudeMask;
        if (Vector512.GreaterThanOrEqualAny(Vector512.Max(lowMagnitude, highMagnitude), Vector512.Create(HalfOverflow)))
        {
            StoreAnyHalves(low, high, ref target, i);
            return;
        }

        Pack(InRange(low, lowMagnitude), InRange(high, highMagnitude)).StoreUnsafe(ref target, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreAnyHalves(Vector512<int> low, Vector512<int> high, ref ushort target, int i)
    {
        var magnitudeMask = Vector512.Create(0x7FFFFFFF);
        Pack(ToHalves(low, low & magnitudeMask), ToHalves(high, high & magnitudeMask)).StoreUnsafe(ref target, (nuint)i);
    }

    // 32 halves in order: the pack works within 128-bit lanes (lane l: 4 halves of low's lane l,
    // then 4 of high's), exact as every half fits 16 bits; the permutation of 64-bit pieces puts
    // them in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ushort> Pack(Vector512<int> low, Vector512<int> high) =>
        Avx512F.PermuteVar8x64(Avx512BW.PackUnsignedSaturate(low, high).AsUInt64(), Vector512.Create(0ul, 2, 4, 6, 1, 3, 5, 7)).AsUInt16();

    // ToHalf lane by lane for magnitudes a below 65520: the normal rounding, or |x| * 2^24 rounded
    // to even by vcvtps2dq for a subnormal half; then the sign.
    private static Vector512<int> InRange(Vector512<int> f, Vector512<int> a)
    {
        var normal = (a + Vector512.Create(0x0FFF - 0x38000000) + ((a >>> 13) & Vector512<int>.One)) >>> 13;
        var subnormal = Avx512F.ConvertToVector512Int32(a.AsSingle() * Vector512.Create(16_777_216f));
        var h = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(HalfMinNormal)), normal, subnormal);
        return h | ((f >>> 16) & Vector512.Create(0x8000));
    }

    // ToHalf lane by lane for any magnitude: InRange's, then saturation as a minimum (the normal
    // formula gives 0x7C00 or more exactly from 65520 up, infinity included), NaN last.
    private static Vector512<int> ToHalves(Vector512<int> f, Vector512<int> a)
    {
        var normal = (a + Vector512.Create(0x0FFF - 0x38000000) + ((a >>> 13) & Vector512<int>.One)) >>> 13;
        var subnormal = Avx512F.ConvertToVector512Int32(a.AsSingle() * Vector512.Create(16_777_216f));
        var h = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(HalfMinNormal)), normal, subnormal);
        h = Vector512.Min(h, Vector512.Create((int)HalfMaxFinite));
        h = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(FloatInfinity)), Vector512.Create((int)HalfQuietNaN), h);
        return h | ((f >>> 16) & Vector512.Create(0x8000));
    }

    // The same conversion, 32 halves per step with AVX-512 (16 per vector) for steps without an
    // infinity or NaN (a step with one goes through the library's conversion, the definition).
    // vpmovsxwd widens with the sign copied into the upper bits, so one bitwise select takes the
    // float's sign bit from the widened half; the select of the subnormal value is a masked multiply.
    private static int DecodeVectors512(ReadOnlySpan<ushort> halves, Span<float> destination)
    {
        ref var source = ref Unsafe.As<ushort, short>(ref MemoryMarshal.GetReference(halves));
        ref var target = ref MemoryMarshal.GetReference(destination);
        var length = halves.Length - (halves.Length % (2 * Vector512<float>.Count));
        var sign = Vector512.Create(0x80000000u);
        for (var i = 0; i < length; i += 2 * Vector512<float>.Count)
        {
            var low = Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref source, (nuint)i)).AsUInt32();
            var high = Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref source, (nuint)(i + Vector512<float>.Count))).AsUInt32();
            var lowMagnitude = low & Vector512.Create(0x7FFFu);
            var highMagnitude = high & Vector512.Create(0x7FFFu);
            if (Vector512.GreaterThanOrEqualAny(Vector512.Max(lowMagnitude, highMagnitude), Vector512.Create((uint)ExponentMask)))
            {
                DecodeAny(halves.Slice(i, 2 * Vector512<float>.Count), destination.Slice(i, 2 * Vector512<float>.Count));
                continue;
            }

            Vector512.ConditionalSelect(sign, low, Finite(lowMagnitude)).AsSingle().StoreUnsafe(ref target, (nuint)i);
            Vector512.ConditionalSelect(sign, high, Finite(highMagnitude)).AsSingle().StoreUnsafe(ref target, (nuint)(i + Vector512<float>.Count));
        }

        return length;
    }

    // A step with an infinity or NaN: a call, so no vector of the loop lives across it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DecodeAny(ReadOnlySpan<ushort> halves, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(halves), destination);

    // The float bits of finite half magnitudes (below 0x7C00): exponent and mantissa moved into
    // float position with the bias adjusted by an add, or the mantissa times 2^-24 for a subnormal.
    private static Vector512<uint> Finite(Vector512<uint> magnitude)
    {
        var normal = (magnitude << 13) + Vector512.Create(0x38000000u);
        var subnormal = (Vector512.ConvertToSingle(magnitude.AsInt32()) * Vector512.Create(1f / 16_777_216)).AsUInt32();
        return Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(0x0400u)), subnormal, normal);
    }
}
