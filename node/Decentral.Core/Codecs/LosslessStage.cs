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
    /// Compresses <paramref name="body"/>; returns the compressed bytes (<paramref name="length"/>
    /// of them), or null when compression does not make the body smaller (then it goes as is).
    /// Without <paramref name="pool"/> the result is a new array of exactly that length; with it,
    /// an array rented from it (at least that long) that the caller gives back.
    /// </summary>
    public static byte[]? Compress(LosslessCompression kind, ReadOnlySpan<byte> body, BodyPool? pool, out int length)
    {
        length = 0;
        if (kind == LosslessCompression.None || body.IsEmpty)
        {
            return null;
        }

        var bound = kind == LosslessCompression.Lz4 ? LZ4Codec.MaximumOutputSize(body.Length) : Compressor.GetCompressBound(body.Length);
        var scratch = pool?.RentBytes(bound) ?? ArrayPool<byte>.Shared.Rent(bound);
        var written = kind == LosslessCompression.Lz4
            ? LZ4Codec.Encode(body, scratch, LZ4Level.L00_FAST)
            : (t_compressor ??= new Compressor(ZstdLevel)).Wrap(body, scratch);
        var shrank = written > 0 && written < body.Length;
        if (shrank && pool is not null)
        {
            length = written;
            return scratch;
        }

        var result = shrank ? scratch.AsSpan(0, written).ToArray() : null;
        length = result?.Length ?? 0;
        if (pool is not null)
        {
            pool.Return(scratch);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return result;
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
