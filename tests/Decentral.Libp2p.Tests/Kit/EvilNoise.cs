using System.Buffers.Binary;
using Decentral.Identity;
using Decentral.Libp2p.Noise;
using NSec.Cryptography;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>A Noise XX initiator that signs the wrong static key (for bad-signature tests).</summary>
internal static class EvilNoise
{
    public static async Task InitiateWithWrongSignatureAsync(Stream stream, PeerIdentity identity)
    {
        var exportable = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        using var staticKey = Key.Create(KeyAgreementAlgorithm.X25519, exportable);
        using var ephemeral = Key.Create(KeyAgreementAlgorithm.X25519, exportable);
        using var state = new SymmetricState();
        var ephemeralPublic = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        state.MixHash(ephemeralPublic);
        await WriteAsync(stream, [.. ephemeralPublic, .. state.EncryptAndHash([])]);

        var message2 = await ReadAsync(stream);
        var remoteEphemeral = message2[..32];
        state.MixHash(remoteEphemeral);
        state.MixKey(ephemeral, remoteEphemeral);
        var remoteStatic = state.DecryptAndHash(message2.AsSpan(32, 48))!;
        state.MixKey(ephemeral, remoteStatic);
        state.DecryptAndHash(message2.AsSpan(80));

        // Sign some other key than the static key we send.
        var wrongKey = new byte[32];
        var payload = new HandshakePayload(identity.PeerId.PublicKeyProtobuf.ToArray(),
            identity.Sign(HandshakePayload.SignedData(wrongKey)), []).Encode();
        var encryptedStatic = state.EncryptAndHash(staticKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        state.MixKey(staticKey, remoteEphemeral);
        await WriteAsync(stream, [.. encryptedStatic, .. state.EncryptAndHash(payload)]);
    }

    private static async Task WriteAsync(Stream stream, byte[] message)
    {
        var frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        await stream.WriteAsync(frame);
    }

    private static async Task<byte[]> ReadAsync(Stream stream)
    {
        var header = new byte[2];
        await stream.ReadExactlyAsync(header);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(header)];
        await stream.ReadExactlyAsync(message);
        return message;
    }
}
