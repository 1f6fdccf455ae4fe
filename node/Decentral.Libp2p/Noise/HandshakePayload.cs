using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Decentral.Libp2p.Protobuf;

namespace Decentral.Libp2p.Noise;

/// <summary>
/// The libp2p NoiseHandshakePayload protobuf: identity_key (1, PublicKey protobuf),
/// identity_sig (2, signature over "noise-libp2p-static-key:" + static X25519 key) and
/// extensions (4) whose field 2 lists stream muxers for early negotiation.
/// </summary>
/// <param name="IdentityKey">The PublicKey protobuf.</param>
/// <param name="IdentitySignature">The signature.</param>
/// <param name="StreamMuxers">Muxers offered for early negotiation (empty: none).</param>
internal sealed record HandshakePayload(byte[] IdentityKey, byte[] IdentitySignature, IReadOnlyList<string> StreamMuxers)
{
    /// <summary>The prefix of the signed data.</summary>
    public const string SignaturePrefix = "noise-libp2p-static-key:";

    public static byte[] SignedData(ReadOnlySpan<byte> staticKey)
    {
        var data = new byte[SignaturePrefix.Length + staticKey.Length];
        Encoding.ASCII.GetBytes(SignaturePrefix, data);
        staticKey.CopyTo(data.AsSpan(SignaturePrefix.Length));
        return data;
    }

    /// <summary>Longest muxer name accepted (js-libp2p's cap on protocol ids).</summary>
    public const int MaxMuxerNameBytes = 1024;

    public byte[] Encode()
    {
        // The decoder refuses longer names, so the encoder never writes one.
        if (StreamMuxers.Any(m => Encoding.UTF8.GetByteCount(m) > MaxMuxerNameBytes))
        {
            throw new ArgumentException($"A muxer name is longer than {MaxMuxerNameBytes} bytes.");
        }

        var buffer = new ArrayBufferWriter<byte>(160);
        var writer = new ProtoWriter(buffer);
        writer.WriteBytes(1, IdentityKey);
        writer.WriteBytes(2, IdentitySignature);
        if (StreamMuxers.Count > 0)
        {
            var extensions = new ArrayBufferWriter<byte>(32);
            var extWriter = new ProtoWriter(extensions);
            foreach (var muxer in StreamMuxers)
            {
                extWriter.WriteString(2, muxer);
            }

            writer.WriteBytes(4, extensions.WrittenSpan);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static bool TryDecode(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out HandshakePayload? payload)
    {
        payload = null;
        var reader = new ProtoReader(encoded);
        byte[]? key = null;
        byte[]? signature = null;
        var muxers = new List<string>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire == WireType.LengthDelimited && field is 1 or 2 or 4)
            {
                if (!reader.TryReadBytes(out var value))
                {
                    return false;
                }

                if (field == 1)
                {
                    key = value.ToArray();
                }
                else if (field == 2)
                {
                    signature = value.ToArray();
                }
                else if (!TryReadMuxers(value, muxers))
                {
                    return false;
                }
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
        }

        if (reader.Failed || key is null || signature is null)
        {
            return false;
        }

        payload = new HandshakePayload(key, signature, muxers);
        return true;
    }

    private static bool TryReadMuxers(ReadOnlySpan<byte> extensions, List<string> muxers)
    {
        var reader = new ProtoReader(extensions);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 2 && wire == WireType.LengthDelimited)
            {
                if (!reader.TryReadBytes(out var name) || name.Length > MaxMuxerNameBytes)
                {
                    return false;
                }

                muxers.Add(Encoding.UTF8.GetString(name));
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
        }

        return !reader.Failed;
    }
}
