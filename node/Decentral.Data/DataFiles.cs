using System.Buffers.Binary;
using System.IO.Compression;

namespace Decentral.Data;

/// <summary>File access shared by the loaders: existence checks and the mapping of I/O and format failures to <see cref="DataError"/>.</summary>
internal static class DataFiles
{
    /// <summary>Reads a whole file, undoing gzip when it starts with the gzip magic.</summary>
    public static DataResult<byte[]> ReadMaybeGzip(string path) =>
        Guard(path, () =>
        {
            var bytes = File.ReadAllBytes(path);
            return IsGzip(bytes) ? Gunzip(bytes) : bytes;
        });

    /// <summary>
    /// Runs <paramref name="load"/> on an existing file and turns the expected failures into
    /// values: a missing file, a format violation, unreadable bytes.
    /// </summary>
    public static DataResult<T> Guard<T>(string path, Func<T> load)
    {
        if (!File.Exists(path))
        {
            return new DataError(DataErrorKind.Missing, path, "file not found");
        }

        try
        {
            return DataResult<T>.Ok(load());
        }
        catch (CorruptDataException e)
        {
            return new DataError(DataErrorKind.Corrupt, path, e.Message);
        }
        catch (InvalidDataException e)
        {
            // Raised by the gzip and zlib streams on a damaged compressed stream.
            return new DataError(DataErrorKind.Corrupt, path, "compressed stream is damaged: " + e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new DataError(DataErrorKind.Unreadable, path, e.Message);
        }
    }

    /// <summary>True when the bytes start with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>
    /// Decompresses a single-member gzip file and checks its trailer (CRC-32 and length of the
    /// uncompressed data), which is how a truncated or damaged download is caught: GZipStream
    /// itself does not check the trailer and decompresses a truncated file to a shorter one.
    /// </summary>
    /// <exception cref="CorruptDataException">The trailer does not match the decompressed data.</exception>
    public static byte[] Gunzip(byte[] compressed)
    {
        if (compressed.Length < 18)
        {
            throw new CorruptDataException($"a gzip file needs at least 18 bytes, this one has {compressed.Length}");
        }

        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 8));
        var expectedSize = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4));

        // The trailer's size lets us decompress straight into an exact array (no growing buffer
        // and final copy); deflate expands at most about 1032:1, so a bigger claim is damage.
        if (expectedSize > Math.Min(Array.MaxLength, compressed.Length * 1100L))
        {
            throw new CorruptDataException($"gzip stream is damaged or truncated: its trailer claims an impossible {expectedSize} bytes");
        }

        var data = new byte[expectedSize];
        using (var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            var read = input.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (read != data.Length || input.ReadByte() != -1 || System.IO.Hashing.Crc32.HashToUInt32(data) != expectedCrc)
            {
                throw new CorruptDataException(
                    "gzip stream is damaged or truncated: its trailer does not match the decompressed data");
            }
        }

        return data;
    }
}
