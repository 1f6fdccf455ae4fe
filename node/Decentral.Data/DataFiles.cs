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

    /// <summary>Decompresses a whole gzip member.</summary>
    public static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream(compressed.Length * 4);
        input.CopyTo(output);
        return output.ToArray();
    }
}
