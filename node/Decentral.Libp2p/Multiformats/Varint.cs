namespace Decentral.Libp2p.Multiformats;

/// <summary>Outcome of decoding an unsigned varint from a buffer.</summary>
public enum VarintStatus
{
    /// <summary>A value was decoded.</summary>
    Ok,

    /// <summary>The buffer ends before the last byte of the varint (read more and retry).</summary>
    NeedMoreData,

    /// <summary>More than 9 bytes, or a value above 2^63-1: the multiformats spec forbids it.</summary>
    Overflow,

    /// <summary>A non-minimal encoding (a trailing 0x00 continuation byte), rejected by the spec.</summary>
    NotMinimal,
}

/// <summary>
/// The multiformats unsigned varint (LEB128, at most 9 bytes, minimal encoding only). Used for
/// every length prefix in libp2p, so a malformed one must be a value, never an exception.
/// </summary>
public static class Varint
{
    /// <summary>The longest encoding the multiformats spec allows (63 bits of payload).</summary>
    public const int MaxLength = 9;

    /// <summary>Number of bytes <paramref name="value"/> takes when encoded.</summary>
    public static int SizeOf(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Encodes <paramref name="value"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(ulong value, Span<byte> destination)
    {
        if (value > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "Multiformats varints carry at most 63 bits.");
        }

        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Encodes <paramref name="value"/> into a new array (for cold paths such as addresses).</summary>
    public static byte[] Encode(ulong value)
    {
        var bytes = new byte[SizeOf(value)];
        Write(value, bytes);
        return bytes;
    }

    /// <summary>Decodes a varint at the start of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes; may hold more data after the varint.</param>
    /// <param name="value">The decoded value when the status is <see cref="VarintStatus.Ok"/>.</param>
    /// <param name="consumed">Bytes the varint took when the status is <see cref="VarintStatus.Ok"/>.</param>
    public static VarintStatus TryRead(ReadOnlySpan<byte> source, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        for (var i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
            {
                return VarintStatus.NeedMoreData;
            }

            var b = source[i];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    value = 0;
                    return VarintStatus.NotMinimal;
                }

                consumed = i + 1;
                return VarintStatus.Ok;
            }
        }

        value = 0;
        return VarintStatus.Overflow;
    }

    /// <summary>
    /// Reads one varint from a stream byte by byte (never over-reads, so the bytes after it stay
    /// in the stream for the next protocol). Returns null at a clean end of stream before the first byte.
    /// </summary>
    /// <exception cref="InvalidDataException">Malformed varint or end of stream inside it.</exception>
    public static async ValueTask<ulong?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxLength];
        for (var i = 0; i < MaxLength; i++)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(i, 1), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return i == 0 ? null : throw new InvalidDataException("Stream ended inside a varint.");
            }

            if ((buffer[i] & 0x80) == 0)
            {
                var status = TryRead(buffer.AsSpan(0, i + 1), out var value, out _);
                return status == VarintStatus.Ok ? value : throw new InvalidDataException($"Malformed varint: {status}.");
            }
        }

        throw new InvalidDataException("Malformed varint: Overflow.");
    }
}
