using System.Buffers.Binary;

namespace Decentral.Data.Idx;

/// <summary>
/// An unsigned-byte IDX array (the MNIST file format): big-endian header with magic
/// 00 00 08 n, n big-endian int32 dimensions, then the bytes in row-major order.
/// </summary>
public sealed class IdxArray
{
    /// <summary>The IDX element-type code for unsigned bytes, the only type MNIST-like data uses.</summary>
    public const byte UnsignedByteType = 0x08;

    private IdxArray(int[] dimensions, byte[] data)
    {
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The dimensions, outermost (item count) first.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The elements, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Parses an IDX file held in memory (already decompressed).</summary>
    /// <exception cref="CorruptDataException">The bytes are not a complete unsigned-byte IDX array.</exception>
    internal static IdxArray Parse(byte[] bytes)
    {
        if (bytes.Length < 4)
        {
            throw new CorruptDataException($"IDX header needs 4 bytes, the file has {bytes.Length}");
        }

        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new CorruptDataException(
                $"bad IDX magic {bytes[0]:x2} {bytes[1]:x2} (expected 00 00); is this an IDX file?");
        }

        if (bytes[2] != UnsignedByteType)
        {
            throw new CorruptDataException($"IDX element type 0x{bytes[2]:x2} is not unsigned byte (0x08)");
        }

        int rank = bytes[3];
        if (rank is < 1 or > 4)
        {
            throw new CorruptDataException($"IDX rank {rank} is outside 1..4");
        }

        var headerLength = 4 + (4 * rank);
        if (bytes.Length < headerLength)
        {
            throw new CorruptDataException($"IDX header of rank {rank} needs {headerLength} bytes, the file has {bytes.Length}");
        }

        var dimensions = new int[rank];
        long size = 1;
        for (var d = 0; d < rank; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (dimensions[d] <= 0)
            {
                throw new CorruptDataException($"IDX dimension {d} is {dimensions[d]}; dimensions must be positive");
            }

            size *= dimensions[d];
            if (size > Array.MaxLength)
            {
                throw new CorruptDataException("IDX dimensions describe more elements than an array can hold");
            }
        }

        var available = bytes.Length - headerLength;
        if (available < size)
        {
            throw new CorruptDataException(
                $"IDX file truncated: dimensions [{string.Join(", ", dimensions)}] need {size} data bytes, found {available}");
        }

        if (available > size)
        {
            throw new CorruptDataException(
                $"IDX file has {available - size} trailing bytes after the [{string.Join(", ", dimensions)}] array");
        }

        return new IdxArray(dimensions, bytes.AsSpan(headerLength).ToArray());
    }

    /// <summary>Reads an IDX file, raw or gzip-compressed (detected from the content, not the name).</summary>
    public static DataResult<IdxArray> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return DataFiles.ReadMaybeGzip(path).Then(bytes => DataFiles.Guard(path, () => Parse(bytes)));
    }
}
