using System.Buffers.Binary;
using System.Text;

namespace Decentral.Data.RData;

/// <summary>
/// A cursor over big-endian (XDR) bytes with the primitive reads of R's serialization format.
/// Every read checks the remaining length first, so a corrupt length fails fast instead of
/// allocating gigabytes or reading past the end.
/// </summary>
internal sealed class XdrInput(byte[] buffer)
{
    // The "levels" bit of a CHARSXP that marks Latin-1 text; anything else is read as UTF-8.
    private const int Latin1Mask = 1 << 2;

    /// <summary>Bytes consumed so far.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes not yet consumed.</summary>
    public int Remaining => buffer.Length - Position;

    /// <summary>The length and bytes of a CHARSXP whose flags word was already read; null for NA.</summary>
    public string? ReadCharBody(int flags)
    {
        var length = ReadInt();
        if (length == -1)
        {
            return null; // NA_character_
        }

        if (length < 0)
        {
            throw new CorruptDataException($"string length {length} is negative");
        }

        var bytes = Take(length);
        return (flags >> 12 & Latin1Mask) != 0 ? Encoding.Latin1.GetString(bytes) : Encoding.UTF8.GetString(bytes);
    }

    /// <summary><paramref name="length"/> big-endian int32 values.</summary>
    public int[] ReadInts(int length)
    {
        var bytes = Take(ElementBytes(length, 4));
        var values = new int[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(i * 4)..]);
        }

        return values;
    }

    /// <summary><paramref name="length"/> big-endian IEEE doubles.</summary>
    public double[] ReadDoubles(int length)
    {
        var bytes = Take(ElementBytes(length, 8));
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleBigEndian(bytes[(i * 8)..]);
        }

        return values;
    }

    /// <summary>A vector length, including the long-vector form (-1, upper half, lower half).</summary>
    public int ReadLength()
    {
        var length = ReadInt();
        if (length >= 0)
        {
            return length;
        }

        if (length != -1)
        {
            throw new CorruptDataException($"vector length {length} is negative");
        }

        // Long vectors: -1 then the length as two 32-bit halves.
        var upper = (long)(uint)ReadInt();
        var lower = (long)(uint)ReadInt();
        var longLength = (upper << 32) | lower;
        return longLength <= Array.MaxLength
            ? (int)longLength
            : throw new CorruptDataException($"vector of {longLength} elements is too long for this reader");
    }

    /// <summary>One big-endian int32.</summary>
    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    /// <summary>The next <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        // Checked before any allocation so a corrupt length fails fast instead of allocating gigabytes.
        if (count < 0 || count > buffer.Length - Position)
        {
            throw new CorruptDataException(
                $"serialization truncated: {count} bytes needed at byte {Position}, {buffer.Length - Position} left");
        }

        var span = buffer.AsSpan(Position, count);
        Position += count;
        return span;
    }

    private int ElementBytes(int length, int size) =>
        length <= Remaining / size
            ? length * size
            : throw new CorruptDataException(
                $"serialization truncated: {length} elements of {size} bytes needed at byte {Position}, {Remaining} bytes left");
}
