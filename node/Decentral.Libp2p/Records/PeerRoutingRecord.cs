using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Protobuf;

namespace Decentral.Libp2p.Records;

/// <summary>
/// A libp2p peer record (RFC 0003): the peer's dialable addresses and a sequence number that
/// grows with every new record, carried in a <see cref="SignedEnvelope"/> of domain
/// <see cref="Domain"/> and payload type <see cref="PayloadType"/>, the same bytes js-libp2p sends
/// in identify's signedPeerRecord. Protobuf: peer_id 1, seq 2, addresses 3 (AddressInfo{multiaddr 1}).
/// A record with a higher <see cref="Sequence"/> replaces an older one of the same peer.
/// </summary>
/// <param name="Peer">The peer the addresses belong to (and that signed the envelope).</param>
/// <param name="Sequence">Monotonic version; a newer record has a higher one.</param>
/// <param name="Addresses">Dialable addresses (never unspecified ones such as 0.0.0.0).</param>
/// <param name="Envelope">The signed envelope the record came in (or was sealed into).</param>
public sealed record PeerRoutingRecord(PeerId Peer, ulong Sequence, IReadOnlyList<Multiaddr> Addresses, SignedEnvelope Envelope)
{
    /// <summary>
    /// The envelope domain of peer records: "libp2p-peer-record", as go-libp2p and js-libp2p sign
    /// them (RFC 0003's draft text says "libp2p-routing-state"; no implementation uses it).
    /// </summary>
    public const string Domain = "libp2p-peer-record";

    /// <summary>Most addresses a decoded record may carry.</summary>
    public const int MaxAddresses = 32;

    /// <summary>The multicodec of peer records (0x0301), as the raw payload-type bytes libp2p uses.</summary>
    public static ReadOnlySpan<byte> PayloadType => [0x03, 0x01];

    /// <summary>Builds and signs a record of <paramref name="identity"/>'s addresses.</summary>
    public static PeerRoutingRecord Create(PeerIdentity identity, ulong sequence, IEnumerable<Multiaddr> addresses)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(addresses);
        var list = addresses.Select(a => a.WithoutPeerId()).Distinct().ToList();
        var body = new ArrayBufferWriter<byte>(128);
        var writer = new ProtoWriter(body);
        writer.WriteBytes(1, identity.PeerId.Span);
        writer.WriteVarint(2, sequence);
        foreach (var address in list)
        {
            var info = new ArrayBufferWriter<byte>(32);
            new ProtoWriter(info).WriteBytes(1, address.ToBytes());
            writer.WriteBytes(3, info.WrittenSpan);
        }

        var envelope = SignedEnvelope.Seal(identity, Domain, PayloadType, body.WrittenSpan);
        return new PeerRoutingRecord(identity.PeerId, sequence, list, envelope);
    }

    /// <summary>Decodes and verifies an encoded envelope holding a peer record; false with the reason otherwise.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encodedEnvelope, [NotNullWhen(true)] out PeerRoutingRecord? record, out string? error)
    {
        record = null;
        if (!SignedEnvelope.TryDecode(encodedEnvelope, Domain, out var envelope, out error))
        {
            return false;
        }

        if (!envelope.PayloadType.Span.SequenceEqual(PayloadType))
        {
            error = "the envelope does not hold a peer record (payload type)";
            return false;
        }

        var reader = new ProtoReader(envelope.Payload.Span);
        PeerId? peer = null;
        ulong sequence = 0;
        var addresses = new List<Multiaddr>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 2 && wire == WireType.Varint)
            {
                if (!reader.TryReadVarint(out sequence))
                {
                    break;
                }

                continue;
            }

            if (wire != WireType.LengthDelimited || field is not (1 or 3))
            {
                if (!reader.TrySkip(wire))
                {
                    break;
                }

                continue;
            }

            if (!reader.TryReadBytes(out var value))
            {
                break;
            }

            if (field == 1)
            {
                if (!PeerId.TryFromBytes(value, out peer))
                {
                    error = "the record's peer id is not an Ed25519 peer id";
                    return false;
                }
            }
            else if (TryReadAddressInfo(value, out var address))
            {
                // Addresses of transports we do not speak (quic, websockets) are skipped, not fatal.
                if (addresses.Count == MaxAddresses)
                {
                    error = $"more than {MaxAddresses} addresses";
                    return false;
                }

                addresses.Add(address.WithoutPeerId());
            }
        }

        if (reader.Failed || peer is null)
        {
            error = reader.Failed ? "malformed peer record" : "the record has no peer id";
            return false;
        }

        if (peer != envelope.Signer)
        {
            error = $"the record of {peer} is signed by {envelope.Signer}";
            return false;
        }

        record = new PeerRoutingRecord(peer, sequence, addresses, envelope);
        return true;
    }

    private static bool TryReadAddressInfo(ReadOnlySpan<byte> info, [NotNullWhen(true)] out Multiaddr? address)
    {
        address = null;
        var reader = new ProtoReader(info);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited && reader.TryReadBytes(out var value))
            {
                return Multiaddr.TryDecode(value, out address);
            }

            if (!reader.TrySkip(wire))
            {
                return false;
            }
        }

        return false;
    }
}
