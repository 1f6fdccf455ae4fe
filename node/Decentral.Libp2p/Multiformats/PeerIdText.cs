using System.Diagnostics.CodeAnalysis;
using Decentral.Identity;
using SimpleBase;

namespace Decentral.Libp2p.Multiformats;

/// <summary>
/// Text forms of a peer id beyond base58btc: the CIDv1 form ("b" + base32 lower of
/// version 1, codec libp2p-key 0x72, multihash), which libp2p tools also print.
/// </summary>
public static class PeerIdText
{
    /// <summary>The multicodec of a libp2p public key CID.</summary>
    public const ulong LibP2PKeyCodec = 0x72;

    /// <summary>Parses base58btc ("12D3KooW...") or CIDv1 base32 ("bafz...") text.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PeerId? peerId)
    {
        peerId = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text[0] != 'b')
        {
            return PeerId.TryParse(text, out peerId);
        }

        if (text.Length > 128)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base32.Rfc4648.Decode(text[1..].ToUpperInvariant());
        }
        catch (ArgumentException)
        {
            return false;
        }

        if (Varint.TryRead(bytes, out var version, out var n1) != VarintStatus.Ok || version != 1)
        {
            return false;
        }

        if (Varint.TryRead(bytes.AsSpan(n1), out var codec, out var n2) != VarintStatus.Ok || codec != LibP2PKeyCodec)
        {
            return false;
        }

        return PeerId.TryFromBytes(bytes.AsSpan(n1 + n2), out peerId);
    }

    /// <summary>The CIDv1 base32 text form of <paramref name="peerId"/>.</summary>
    public static string ToCid(PeerId peerId)
    {
        var bytes = new byte[2 + peerId.Span.Length];
        bytes[0] = 0x01;
        bytes[1] = (byte)LibP2PKeyCodec;
        peerId.Span.CopyTo(bytes.AsSpan(2));
        return "b" + Base32.Rfc4648.Encode(bytes, padding: false).ToLowerInvariant();
    }

    /// <summary>
    /// Reads a PublicKey protobuf (field 1 key type, field 2 key data) and returns the peer id when
    /// it is an Ed25519 key; other key types are not supported by this project.
    /// </summary>
    public static bool TryFromPublicKeyProtobuf(ReadOnlySpan<byte> protobuf, [NotNullWhen(true)] out PeerId? peerId)
    {
        peerId = null;
        var reader = new Protobuf.ProtoReader(protobuf);
        ulong keyType = ulong.MaxValue;
        ReadOnlySpan<byte> data = default;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == Protobuf.WireType.Varint && reader.TryReadVarint(out var v))
            {
                keyType = v;
            }
            else if (field == 2 && wire == Protobuf.WireType.LengthDelimited && reader.TryReadBytes(out var d))
            {
                data = d;
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
        }

        if (reader.Failed || keyType != 1 || data.Length != PeerId.KeyLength)
        {
            return false;
        }

        peerId = PeerId.FromPublicKey(data);
        return true;
    }
}
