using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Protobuf;
using Decentral.Libp2p.Records;

namespace Decentral.Libp2p.Identify;

/// <summary>
/// Identify (/ipfs/id/1.0.0): the side that did NOT open the stream writes one
/// uvarint-length-prefixed Identify protobuf and closes; the opener reads it.
/// Fields: publicKey 1, listenAddrs 2, protocols 3, observedAddr 4, protocolVersion 5, agentVersion 6,
/// signedPeerRecord 8 (a signed envelope holding a <see cref="PeerRoutingRecord"/>).
/// </summary>
public static class IdentifyProtocol
{
    /// <summary>The protocol id.</summary>
    public const string ProtocolId = "/ipfs/id/1.0.0";

    /// <summary>Largest identify message accepted (js sends at most 8 KiB; we allow some slack).</summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>Encodes an identify message for <paramref name="self"/>, with its signed peer record when given.</summary>
    public static byte[] Encode(PeerId self, string protocolVersion, string agentVersion,
        IEnumerable<Multiaddr> listenAddresses, IEnumerable<string> protocols, Multiaddr? observed, PeerRoutingRecord? signedRecord = null)
    {
        var body = new ArrayBufferWriter<byte>(512);
        var writer = new ProtoWriter(body);
        writer.WriteString(5, protocolVersion);
        writer.WriteString(6, agentVersion);
        writer.WriteBytes(1, self.PublicKeyProtobuf);
        foreach (var address in listenAddresses)
        {
            writer.WriteBytes(2, address.ToBytes());
        }

        if (observed is not null)
        {
            writer.WriteBytes(4, observed.ToBytes());
        }

        foreach (var protocol in protocols)
        {
            writer.WriteString(3, protocol);
        }

        if (signedRecord is not null)
        {
            writer.WriteBytes(8, signedRecord.Envelope.Encoded.Span);
        }

        return body.WrittenSpan.ToArray();
    }

    /// <summary>Decodes an identify message; false when malformed or the key is missing or unsupported.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out IdentifyInfo? info)
    {
        info = null;
        var reader = new ProtoReader(encoded);
        PeerId? peer = null;
        string protocolVersion = string.Empty, agentVersion = string.Empty;
        var addresses = new List<Multiaddr>();
        var protocols = new List<string>();
        Multiaddr? observed = null;
        PeerRoutingRecord? record = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire != WireType.LengthDelimited || field is < 1 or > 8 or 7)
            {
                if (!reader.TrySkip(wire))
                {
                    return false;
                }

                continue;
            }

            if (!reader.TryReadBytes(out var value))
            {
                return false;
            }

            switch (field)
            {
                case 1:
                    if (!PeerIdText.TryFromPublicKeyProtobuf(value, out peer))
                    {
                        return false;
                    }

                    break;
                case 2:
                    // Addresses with protocols we do not know (quic, ws...) are skipped, not fatal.
                    if (Multiaddr.TryDecode(value, out var address))
                    {
                        addresses.Add(address);
                    }

                    break;
                case 3:
                    protocols.Add(Encoding.UTF8.GetString(value));
                    break;
                case 4:
                    observed = Multiaddr.TryDecode(value, out var o) ? o : null;
                    break;
                case 5:
                    protocolVersion = Encoding.UTF8.GetString(value);
                    break;
                case 6:
                    agentVersion = Encoding.UTF8.GetString(value);
                    break;
                default:
                    // A record that does not verify is dropped; the rest of identify stands.
                    record = PeerRoutingRecord.TryDecode(value, out var decoded, out _) ? decoded : null;
                    break;
            }
        }

        if (reader.Failed || peer is null)
        {
            return false;
        }

        info = new IdentifyInfo(peer, protocolVersion, agentVersion, addresses, protocols, observed, record?.Peer == peer ? record : null);
        return true;
    }

    /// <summary>Writes one length-prefixed message and closes the write side (responder).</summary>
    public static async Task RespondAsync(Stream stream, byte[] message, CancellationToken cancellationToken)
    {
        var prefix = Varint.Encode((ulong)message.Length);
        await stream.WriteAsync(prefix.Concat(message).ToArray(), cancellationToken).ConfigureAwait(false);
        if (stream is Libp2pStream libp2p)
        {
            await libp2p.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the remote's message (opener); the failure reason when it is malformed.</summary>
    public static async Task<(IdentifyInfo? Info, string? Error)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ulong? length;
        try
        {
            length = await Varint.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            return (null, e.Message);
        }

        if (length is null or 0 or > MaxMessageLength)
        {
            return (null, $"bad identify length {length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(end of stream)"}");
        }

        var buffer = new byte[(int)length];
        if (await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < buffer.Length)
        {
            return (null, "identify message truncated");
        }

        return TryDecode(buffer, out var info) ? (info, null) : (null, "malformed identify message");
    }
}
