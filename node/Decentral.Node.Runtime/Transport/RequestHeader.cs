using System.Buffers;
using Decentral.Libp2p.Records;
using MessagePack;

namespace Decentral.Node.Runtime.Transport;

/// <summary>What a request on the node's message stream carries.</summary>
public enum RequestKind
{
    /// <summary>One protocol message (the body, in the wire codec).</summary>
    Message = 1,

    /// <summary>A request for the receiver's member list (the announcements it holds); no body.</summary>
    Members = 2,
}

/// <summary>
/// The header of every request on /decentral/model/1.0.0 between nodes: the format version, the
/// sender's learning session (a node refuses requests of another session, with that reason), the
/// request kind, and signed peer records of peers the message's view update names, so the
/// receiver can dial any peer its view learns of. MessagePack: [version, session, kind, [envelope (bin), ...]].
/// </summary>
/// <param name="Session">The sender's session.</param>
/// <param name="Kind">What the request is.</param>
/// <param name="Records">Encoded signed peer records travelling with the message.</param>
public sealed record RequestHeader(string Session, RequestKind Kind, IReadOnlyList<ReadOnlyMemory<byte>> Records)
{
    /// <summary>The header format version.</summary>
    public const int Version = 1;

    /// <summary>Most records one header may carry.</summary>
    public const int MaxRecords = 1024;

    /// <summary>The encoded header.</summary>
    public byte[] Encode()
    {
        var output = new ArrayBufferWriter<byte>(64 + (Records.Count * 160));
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(4);
        writer.Write(Version);
        writer.Write(Session);
        writer.Write((int)Kind);
        writer.WriteArrayHeader(Records.Count);
        foreach (var record in Records)
        {
            writer.Write(record.Span);
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a header; false with the reason when it is malformed or of another version.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RequestHeader? header, out string reason)
    {
        header = null;
        try
        {
            var reader = new MessagePackReader(bytes);
            if (reader.ReadArrayHeader() != 4)
            {
                reason = "a request header has four fields";
                return false;
            }

            var version = reader.ReadInt32();
            if (version != Version)
            {
                reason = $"request header version {version} is not the supported {Version}";
                return false;
            }

            var session = reader.ReadString() ?? string.Empty;
            var kind = reader.ReadInt32();
            if (kind is not ((int)RequestKind.Message or (int)RequestKind.Members))
            {
                reason = $"unknown request kind {kind}";
                return false;
            }

            var count = reader.ReadArrayHeader();
            if (count > MaxRecords)
            {
                reason = $"{count} attached records exceed {MaxRecords}";
                return false;
            }

            var records = new List<ReadOnlyMemory<byte>>(count);
            for (var i = 0; i < count; i++)
            {
                var record = reader.ReadBytes();
                if (record is not { } r || r.Length > SignedEnvelope.MaxEncodedLength)
                {
                    reason = "an attached record is missing or too large";
                    return false;
                }

                records.Add(r.ToArray());
            }

            header = new RequestHeader(session, (RequestKind)kind, records);
            reason = string.Empty;
            return true;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            reason = $"malformed request header: {e.Message}";
            return false;
        }
    }
}
