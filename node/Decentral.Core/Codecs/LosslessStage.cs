using System.Buffers;
using K4os.Compression.LZ4;
using ZstdSharp;

namespace Decentral.Codecs;

/// <summary>
/// The optional lossless stage over an encoded body: LZ4 (K4os.Compression.LZ4, fastest level)
/// or Zstandard (ZstdSharp, level <see cref="ZstdLevel"/>). Both libraries are managed code;
/// their contexts are kept one per thread, so calls from different threads never share one.
/// </summary>
internal static class LosslessStage
{
    /// <summary>
    /// The Zstandard level: 1, the fastest. On int8 bodies of 2^20 values it compressed as well as
    /// levels 3 and 9 (Gaussian weights 1.07x at every level; heavy-tailed deltas 1.44x, 1.43x, 1.40x).
    /// </summary>
    public const int ZstdLevel = 1;

    [ThreadStatic]
    private static Compressor? t_compressor;

    [ThreadStatic]
    private static Decompressor? t_decompressor;

    /// <summary>
    /// Compresses <paramref name="body"/>; returns the compressed bytes in a new array of their
    /// exact length, or null when compression does not make the body smaller (then it goes as is).
    /// </summary>
    public static byte[]? Compress(LosslessCompression kind, ReadOnlySpan<byte> body)
    {
        if (kind == LosslessCompression.None || body.IsEmpty)
        {
            return null;
        }

        var bound = kind == LosslessCompression.Lz4 ? LZ4Codec.MaximumOutputSize(body.Length) : Compressor.GetCompressBound(body.Length);
        var scratch = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            var written = kind == LosslessCompression.Lz4
                ? LZ4Codec.Encode(body, scratch, LZ4Level.L00_FAST)
                : (t_compressor ??= new Compressor(ZstdLevel)).Wrap(body, scratch);
            return written > 0 && written < body.Length ? scratch.AsSpan(0, written).ToArray() : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Decompresses <paramref name="source"/> into all of <paramref name="destination"/>: false
    /// when the input is not a valid frame or does not decompress to exactly that many bytes.
    /// </summary>
    public static bool TryDecompress(LosslessCompression kind, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        switch (kind)
        {
            case LosslessCompression.Lz4:
                return LZ4Codec.Decode(source, destination) == destination.Length;
            case LosslessCompression.Zstd:
                // The frame header may declare any size; a frame larger than the destination fails
                // inside Unwrap (which reports it with an exception) before anything is allocated.
                try
                {
                    return (t_decompressor ??= new Decompressor()).Unwrap(source, destination) == destination.Length;
                }
                catch (ZstdException)
                {
                    return false;
                }

            default:
                return false;
        }
    }
}
