using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Protobuf;

namespace Decentral.Libp2p.Records;

/// <summary>
/// A libp2p signed envelope (RFC 0002): a payload, its type, the signer's public key and an
/// Ed25519 signature over a domain-separated concatenation of domain, type and payload, so a
/// signature made for one purpose is never valid for another. Wire format (protobuf):
/// public_key 1 (the PublicKey protobuf), payload_type 2, payload 3, signature 5, as go-libp2p
/// and js-libp2p encode it. Immutable.
/// </summary>
public sealed class SignedEnvelope
{
    /// <summary>Largest envelope <see cref="TryDecode"/> accepts (records are small; this bounds a hostile one).</summary>
    public const int MaxEncodedLength = 8 * 1024;

    private SignedEnvelope(PeerId signer, byte[] payloadType, byte[] payload, byte[] signature, byte[] encoded)
    {
        Signer = signer;
        PayloadType = payloadType;
        Payload = payload;
        Signature = signature;
        Encoded = encoded;
    }

    /// <summary>The peer whose key signed the envelope.</summary>
    public PeerId Signer { get; }

    /// <summary>The payload type (a multicodec prefix).</summary>
    public ReadOnlyMemory<byte> PayloadType { get; }

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The 64-byte Ed25519 signature.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>The protobuf encoding, as it travels.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>Signs <paramref name="payload"/> of <paramref name="payloadType"/> for <paramref name="domain"/>.</summary>
    public static SignedEnvelope Seal(PeerIdentity identity, string domain, ReadOnlySpan<byte> payloadType, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var signature = identity.Sign(SigningInput(domain, payloadType, payload));
        var body = new ArrayBufferWriter<byte>(64 + payload.Length);
        var writer = new ProtoWriter(body);
        writer.WriteBytes(1, identity.PeerId.PublicKeyProtobuf);
        writer.WriteBytes(2, payloadType);
        writer.WriteBytes(3, payload);
        writer.WriteBytes(5, signature);
        return new SignedEnvelope(identity.PeerId, payloadType.ToArray(), payload.ToArray(), signature, body.WrittenSpan.ToArray());
    }

    /// <summary>
    /// Decodes an envelope and verifies its signature for <paramref name="domain"/>; false (with
    /// the reason) when it is malformed, too large, signed by an unsupported key or not validly signed.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, string domain, [NotNullWhen(true)] out SignedEnvelope? envelope, out string? error)
    {
        envelope = null;
        if (encoded.Length > MaxEncodedLength)
        {
            error = $"envelope of {encoded.Length} bytes exceeds {MaxEncodedLength}";
            return false;
        }

        var reader = new ProtoReader(encoded);
        PeerId? signer = null;
        byte[]? type = null, payload = null, signature = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire != WireType.LengthDelimited || field is not (1 or 2 or 3 or 5))
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

            switch (field)
            {
                case 1:
                    if (!PeerIdText.TryFromPublicKeyProtobuf(value, out signer))
                    {
                        error = "the envelope's public key is not an Ed25519 key";
                        return false;
                    }

                    break;
                case 2:
                    type = value.ToArray();
                    break;
                case 3:
                    payload = value.ToArray();
                    break;
                default:
                    signature = value.ToArray();
                    break;
            }
        }

        if (reader.Failed || signer is null || type is null || payload is null || signature is null)
        {
            error = reader.Failed ? "malformed envelope" : "the envelope lacks a key, type, payload or signature";
            return false;
        }

        if (!PeerIdentity.Verify(signer.PublicKey, SigningInput(domain, type, payload), signature))
        {
            error = $"bad signature for domain '{domain}'";
            return false;
        }

        error = null;
        envelope = new SignedEnvelope(signer, type, payload, signature, encoded.ToArray());
        return true;
    }

    // uvarint(len domain) domain uvarint(len type) type uvarint(len payload) payload (RFC 0002).
    private static byte[] SigningInput(string domain, ReadOnlySpan<byte> payloadType, ReadOnlySpan<byte> payload)
    {
        var domainBytes = Encoding.UTF8.GetBytes(domain);
        var buffer = new ArrayBufferWriter<byte>(domainBytes.Length + payloadType.Length + payload.Length + (3 * Varint.MaxLength));
        Append(buffer, domainBytes);
        Append(buffer, payloadType);
        Append(buffer, payload);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> part)
    {
        var span = buffer.GetSpan(Varint.MaxLength);
        buffer.Advance(Varint.Write((ulong)part.Length, span));
        buffer.Write(part);
    }
}
