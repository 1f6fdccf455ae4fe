using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Decentral.Codecs;

/// <summary>
/// Which instructions a codec kernel uses. Every path writes the same bits as the scalar
/// definition; the kernels take the path as a parameter so the tests can run each one this
/// machine supports against the scalar one.
/// </summary>
internal enum VectorPath
{
    /// <summary>One value at a time: the definition.</summary>
    Scalar,

    /// <summary>Portable 256-bit vectors (any hardware that accelerates them).</summary>
    Vector256,

    /// <summary>256-bit vectors with AVX2 instructions where the portable ones cost more.</summary>
    Avx2,

    /// <summary>512-bit vectors with AVX-512 (F, BW) instructions.</summary>
    Avx512,
}

/// <summary>The paths of this machine.</summary>
internal static class VectorPaths
{
    /// <summary>The fastest path the machine supports.</summary>
    public static readonly VectorPath Best =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported ? VectorPath.Avx512
        : Avx2.IsSupported ? VectorPath.Avx2
        : Vector256.IsHardwareAccelerated ? VectorPath.Vector256
        : VectorPath.Scalar;

    /// <summary>True when the machine can run <paramref name="path"/>.</summary>
    public static bool IsSupported(VectorPath path) => path switch
    {
        VectorPath.Scalar => true,
        VectorPath.Vector256 => Vector256.IsHardwareAccelerated,
        VectorPath.Avx2 => Avx2.IsSupported,
        _ => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported,
    };
}
