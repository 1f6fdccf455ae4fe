using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Decentral.Codecs;

/// <summary>
/// The fp16 conversions on the x86 instructions made for them (vcvtps2ph, vcvtph2ps), through
/// the native helper built with the core (<c>Native/float16.c</c>): .NET 10 has no intrinsic for
/// them. Loaded once; <see cref="IsAvailable"/> is false (and <see cref="Float16Values"/> uses its
/// managed kernels) when the library was not built (no C compiler, not Linux x64), the CPU lacks
/// AVX-512, or the runtime was told not to use AVX-512. Each call converts whole blocks of 16 and
/// returns how many values it converted; the caller converts the rest. The bits are the managed
/// kernels' (the tests compare them).
/// </summary>
internal static unsafe class Float16Instructions
{
    /// <summary>The library's file name, next to the core's assembly.</summary>
    public const string LibraryName = "libdecentral-float16.so";

    private static readonly delegate* unmanaged<float*, ushort*, nint, nint> EncodeBlocks;
    private static readonly delegate* unmanaged<float*, float*, ushort*, nint, nint> EncodeDifferenceBlocks;
    private static readonly delegate* unmanaged<ushort*, float*, nint, nint> DecodeBlocks;

#pragma warning disable CA1810 // the loads need a static constructor: one library, three exports, one check
    static Float16Instructions()
    {
        var path = Path.Combine(AppContext.BaseDirectory, LibraryName);
        if (!(Avx512F.IsSupported && Avx512BW.IsSupported && Avx512F.VL.IsSupported) || !NativeLibrary.TryLoad(path, out var library))
        {
            return;
        }

        if (NativeLibrary.TryGetExport(library, "decentral_float16_supported", out var supported)
            && ((delegate* unmanaged<int>)supported)() != 0
            && NativeLibrary.TryGetExport(library, "decentral_float16_encode", out var encode)
            && NativeLibrary.TryGetExport(library, "decentral_float16_encode_difference", out var encodeDifference)
            && NativeLibrary.TryGetExport(library, "decentral_float16_decode", out var decode))
        {
            EncodeBlocks = (delegate* unmanaged<float*, ushort*, nint, nint>)encode;
            EncodeDifferenceBlocks = (delegate* unmanaged<float*, float*, ushort*, nint, nint>)encodeDifference;
            DecodeBlocks = (delegate* unmanaged<ushort*, float*, nint, nint>)decode;
            IsAvailable = true;
        }
    }
#pragma warning restore CA1810

    /// <summary>True when the instructions convert this process's fp16 values.</summary>
    public static bool IsAvailable { get; }

    /// <summary>Halves of the leading whole blocks of <paramref name="values"/>; the count converted.</summary>
    public static int Encode(ReadOnlySpan<float> values, Span<ushort> halves)
    {
        Check(values.Length, halves.Length);
        fixed (float* source = values)
        fixed (ushort* target = halves)
        {
            return (int)EncodeBlocks(source, target, values.Length);
        }
    }

    /// <summary>Halves of <paramref name="minuend"/> - <paramref name="subtrahend"/>, leading whole blocks; the count converted.</summary>
    public static int EncodeDifference(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend, Span<ushort> halves)
    {
        Check(minuend.Length, subtrahend.Length);
        Check(minuend.Length, halves.Length);
        fixed (float* a = minuend)
        fixed (float* b = subtrahend)
        fixed (ushort* target = halves)
        {
            return (int)EncodeDifferenceBlocks(a, b, target, minuend.Length);
        }
    }

    /// <summary>Floats of the leading whole blocks of <paramref name="halves"/>; the count converted.</summary>
    public static int Decode(ReadOnlySpan<ushort> halves, Span<float> values)
    {
        Check(halves.Length, values.Length);
        fixed (ushort* source = halves)
        fixed (float* target = values)
        {
            return (int)DecodeBlocks(source, target, halves.Length);
        }
    }

    // A bug in a caller, never input: the native side trusts the count.
    private static void Check(int count, int other)
    {
        if (!IsAvailable || other != count)
        {
            throw new InvalidOperationException(IsAvailable ? $"{count} values against {other}." : "The fp16 instructions are not available.");
        }
    }
}
