using System.Buffers;
using Decentral.Libp2p.Records;
using Decentral.Membership;
using MessagePack;

namespace Decentral.Node.Runtime.Peers;

/// <summary>
/// What a node says about itself on the session topic and in member lists: its signed peer
/// record (addresses, signed by its key) plus its membership state and telemetry slot. The
/// record's signature authenticates the addresses wherever the announcement travels; the
/// membership fields are the peer's own claim, as in a JOIN advert.
/// Encoding (MessagePack): [envelope (bin), membership index, status, round estimate, slot].
/// </summary>
/// <param name="Record">The verified signed peer record.</param>
/// <param name="MembershipIndex">The peer's membership index.</param>
/// <param name="Status">JOIN or LEAVE.</param>
/// <param name="RoundEstimate">The peer's round estimate (0 before the session's first round).</param>
/// <param name="Slot">The peer's telemetry slot (-1 when it has none).</param>
public sealed record MemberAnnouncement(PeerRoutingRecord Record, long MembershipIndex, MembershipStatus Status, long RoundEstimate, int Slot)
{
    private const int Fields = 5;

    /// <summary>Largest round estimate or membership index accepted (as the wire codec's limits).</summary>
    public const long MaxCounter = 1L << 40;

    /// <summary>The announcing peer.</summary>
    public Decentral.Identity.PeerId Peer => Record.Peer;

    /// <summary>Writes the announcement.</summary>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields);
        writer.Write(Record.Envelope.Encoded.Span);
        writer.Write(MembershipIndex);
        writer.Write((int)Status);
        writer.Write(RoundEstimate);
        writer.Write(Slot);
    }

    /// <summary>Reads and verifies one announcement; false with the reason when it is malformed or not validly signed.</summary>
    public static bool TryRead(ref MessagePackReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MemberAnnouncement? announcement, out string reason)
    {
        announcement = null;
        var fields = reader.ReadArrayHeader();
        if (fields != Fields)
        {
            // Skip what is there, so the entries after this one still read in step.
            for (var i = 0; i < fields; i++)
            {
                reader.Skip();
            }

            reason = "an announcement has five fields";
            return false;
        }

        var envelope = reader.ReadBytes();
        var index = reader.ReadInt64();
        var status = reader.ReadInt32();
        var round = reader.ReadInt64();
        var slot = reader.ReadInt32();
        if (envelope is not { } bytes || bytes.Length > SignedEnvelope.MaxEncodedLength)
        {
            reason = "the signed record is missing or too large";
            return false;
        }

        if (!PeerRoutingRecord.TryDecode(bytes.ToArray(), out var record, out var error))
        {
            reason = $"bad signed record: {error}";
            return false;
        }

        if (index is < 0 or > MaxCounter || round is < 0 or > MaxCounter || status is not ((int)MembershipStatus.Join or (int)MembershipStatus.Leave) || slot < -1)
        {
            reason = "membership fields out of range";
            return false;
        }

        announcement = new MemberAnnouncement(record, index, (MembershipStatus)status, round, slot);
        reason = string.Empty;
        return true;
    }

    /// <summary>Encodes a list of announcements (a member list answer).</summary>
    public static byte[] EncodeList(IReadOnlyCollection<MemberAnnouncement> announcements)
    {
        var output = new ArrayBufferWriter<byte>(256 * (announcements.Count + 1));
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(announcements.Count);
        foreach (var a in announcements)
        {
            a.Write(ref writer);
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a member list; the valid entries, and how many were dropped as invalid.</summary>
    public static (List<MemberAnnouncement> Valid, int Invalid, string? Error) DecodeList(ReadOnlyMemory<byte> bytes, int maxEntries)
    {
        var valid = new List<MemberAnnouncement>();
        var invalid = 0;
        try
        {
            var reader = new MessagePackReader(bytes);
            var count = reader.ReadArrayHeader();
            if (count > maxEntries)
            {
                return (valid, 0, $"{count} entries exceed the limit of {maxEntries}");
            }

            for (var i = 0; i < count; i++)
            {
                if (TryRead(ref reader, out var a, out _))
                {
                    valid.Add(a);
                }
                else
                {
                    invalid++;
                }
            }

            return (valid, invalid, null);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            return (valid, invalid, $"malformed member list: {e.Message}");
        }
    }
}
