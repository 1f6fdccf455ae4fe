using System.Buffers.Binary;

namespace Decentral.Libp2p.Yamux;

/// <summary>Yamux frame types.</summary>
public enum YamuxFrameType : byte
{
    /// <summary>Stream data.</summary>
    Data = 0,

    /// <summary>Window update (also carries SYN/ACK/FIN/RST without data).</summary>
    WindowUpdate = 1,

    /// <summary>Session ping (SYN asks, ACK answers with the same opaque value).</summary>
    Ping = 2,

    /// <summary>Session termination; the length carries the error code.</summary>
    GoAway = 3,
}

/// <summary>Yamux frame flags.</summary>
[Flags]
public enum YamuxFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>Opens a stream / asks for a ping answer.</summary>
    Syn = 1,

    /// <summary>Acknowledges a stream / answers a ping.</summary>
    Ack = 2,

    /// <summary>Half-closes the sender's side.</summary>
    Fin = 4,

    /// <summary>Resets the stream.</summary>
    Rst = 8,
}

/// <summary>The 12-byte big-endian yamux header: version, type, flags, stream id, length.</summary>
/// <param name="Type">The frame type.</param>
/// <param name="Flags">The flags.</param>
/// <param name="StreamId">The stream id (0 for the session).</param>
/// <param name="Length">Data length, window delta, ping opaque value or GoAway code.</param>
public readonly record struct YamuxHeader(YamuxFrameType Type, YamuxFlags Flags, uint StreamId, uint Length)
{
    /// <summary>Encoded header size.</summary>
    public const int Size = 12;

    /// <summary>The only version defined.</summary>
    public const byte Version = 0;

    /// <summary>GoAway code: normal termination.</summary>
    public const uint GoAwayNormal = 0;

    /// <summary>GoAway code: protocol error.</summary>
    public const uint GoAwayProtocolError = 1;

    /// <summary>GoAway code: internal error.</summary>
    public const uint GoAwayInternalError = 2;

    /// <summary>Writes the header into the first 12 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }

    /// <summary>Parses a header; false for an unknown version or type.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out YamuxHeader header, out string? error)
    {
        header = default;
        error = null;
        if (source[0] != Version)
        {
            error = $"unknown yamux version {source[0]}";
            return false;
        }

        if (source[1] > (byte)YamuxFrameType.GoAway)
        {
            error = $"unknown yamux frame type {source[1]}";
            return false;
        }

        header = new YamuxHeader((YamuxFrameType)source[1], (YamuxFlags)BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]), BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
        return true;
    }
}
