using System.Buffers.Binary;
using System.Text;
using Decentral.Identity;
using Decentral.Libp2p.Noise;
using NSec.Cryptography;

namespace Decentral.Fuzz.Targets;

/// <summary>The Noise XX handshake (raw messages, and an honest initiator with a fuzzed payload) and transport frames.</summary>
internal static class NoiseTargets
{
    private static readonly PeerIdentity Local = PeerIdentity.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
    private static readonly PeerIdentity Remote = PeerIdentity.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray());
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly int[] ReadSizes = [1, 7, 1000, 70000];

    public static FuzzTarget Handshake { get; } = new("noise-handshake", "Noise XX handshake messages and payload", RunHandshake, HandshakeSeeds);

    public static FuzzTarget Frames { get; } = new("noise-frames", "Noise transport frames (length prefix, AEAD, partial reads)", RunFrames, FrameSeeds);

    /// <summary>Mode 0/1: raw bytes as the initiator's or responder's messages. Mode 2: an honest initiator whose payload is the input. Mode 3: a valid payload with fuzzed muxer names.</summary>
    private static void RunHandshake(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var mode = fuzz.Byte() % 4;
        var chunks = fuzz.Byte();
        var rest = fuzz.Rest();
        Stream stream = mode switch
        {
            0 or 1 => new ScriptedDuplex(rest, chunks),
            2 => HonestInitiator(_ => rest),
            _ => HonestInitiator(staticKey => new HandshakePayload(Remote.PeerId.PublicKeyProtobuf.ToArray(),
                Remote.Sign(HandshakePayload.SignedData(staticKey)), MuxerNames(rest.AsSpan(0, Math.Min(rest.Length, 4096)))).Encode()),
        };

        // The host treats IOException and InvalidDataException from the handshake as a failed upgrade.
        try
        {
            var run = NoiseHandshake.RunAsync(stream, Local, initiator: mode == 1, ["/yamux/1.0.0"], null, CancellationToken.None);
            FuzzTargets.Await(run);
            if (mode == 3 && run.Result.Status != NoiseStatus.Ok)
            {
                throw new FuzzOracleException($"an honest initiator was refused: {run.Result.Status} {run.Result.Reason}");
            }
        }
        catch (AggregateException e) when (e.InnerException is IOException or InvalidDataException)
        {
        }
    }

    private static IEnumerable<byte[]> HandshakeSeeds()
    {
        yield return [0, 0, 0, 32, .. new byte[32]];
        yield return [1, 1, 0, 96, .. new byte[96]];
        yield return [2, 0, .. new HandshakePayload(Remote.PeerId.PublicKeyProtobuf.ToArray(), new byte[64], ["/yamux/1.0.0"]).Encode()];
        yield return [3, 0, .. "/yamux/1.0.0\n/mplex/6.7.0"u8];
    }

    /// <summary>Up to 8 names, each within the payload's documented cap (longer ones are refused by design).</summary>
    private static IReadOnlyList<string> MuxerNames(ReadOnlySpan<byte> bytes) =>
        [.. Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(8)
            .Select(n => n.Length > HandshakePayload.MaxMuxerNameBytes / 3 ? n[..(HandshakePayload.MaxMuxerNameBytes / 3)] : n)
            .Where(n => !char.IsHighSurrogate(n[^1]))];

    /// <summary>Plays the initiator of Noise XX against the decoder (the responder): msg1 first, msg3 once msg2 was written.</summary>
    private static InteractiveDuplex HonestInitiator(Func<byte[], byte[]> payloadFor)
    {
        var exportable = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        var staticKey = NSec.Cryptography.Key.Create(KeyAgreementAlgorithm.X25519, exportable);
        var ephemeral = NSec.Cryptography.Key.Create(KeyAgreementAlgorithm.X25519, exportable);
        var state = new SymmetricState();
        var ephemeralPublic = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        state.MixHash(ephemeralPublic);
        var message1 = Frame([.. ephemeralPublic, .. state.EncryptAndHash([])]);
        var sent3 = false;
        return new InteractiveDuplex(message1, written =>
        {
            if (sent3 || written.Length < 2 || written.Length < 2 + BinaryPrimitives.ReadUInt16BigEndian(written))
            {
                return null;
            }

            sent3 = true;
            var message2 = written.AsSpan(2);
            var remoteEphemeral = message2[..32].ToArray();
            state.MixHash(remoteEphemeral);
            state.MixKey(ephemeral, remoteEphemeral);
            var remoteStatic = state.DecryptAndHash(message2.Slice(32, 48))!;
            state.MixKey(ephemeral, remoteStatic);
            state.DecryptAndHash(message2[80..]);
            var staticPublic = staticKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);
            var encryptedStatic = state.EncryptAndHash(staticPublic);
            state.MixKey(staticKey, remoteEphemeral);
            var payload = payloadFor(staticPublic);
            return Frame([.. encryptedStatic, .. state.EncryptAndHash(payload.AsSpan(0, Math.Min(payload.Length, 60000)))]);
        });
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        return frame;
    }

    /// <summary>
    /// Input: chunk seed, read-size seed, then frames [control][u16 length][plaintext]. Control
    /// bit 1 flips a tag byte, bit 2 declares a length below the tag size, bit 4 cuts the frame
    /// short. The reader must return exactly the plaintext of the frames before the first bad one.
    /// </summary>
    private static void RunFrames(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var chunks = fuzz.Byte();
        var readSeed = fuzz.Byte();
        using var sealer = new CipherState(Key);
        var wire = new MemoryStream();
        var expected = new MemoryStream();
        var broken = false;
        while (fuzz.Remaining > 0 && !broken)
        {
            var control = fuzz.Byte();
            var plain = fuzz.Take(Math.Min((int)fuzz.UInt16(), NoiseSecureStream.MaxPlaintext)).ToArray();
            var sealedFrame = new byte[plain.Length + CipherState.TagLength];
            sealer.Encrypt([], plain, sealedFrame);
            var header = new byte[2];
            if ((control & 2) != 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)(control % CipherState.TagLength));
                wire.Write(header);
                wire.Write(sealedFrame.AsSpan(0, control % CipherState.TagLength));
                broken = true;
                continue;
            }

            if ((control & 1) != 0)
            {
                sealedFrame[^1] ^= 0x80;
                broken = true;
            }

            BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)sealedFrame.Length);
            wire.Write(header);
            if ((control & 4) != 0)
            {
                wire.Write(sealedFrame.AsSpan(0, sealedFrame.Length / 2));
                broken = true;
                continue;
            }

            wire.Write(sealedFrame);
            if (!broken)
            {
                expected.Write(plain);
            }
        }

        using var opener = new CipherState(Key);
        using var unused = new CipherState(new byte[32]);
        using var secure = new NoiseSecureStream(new ScriptedDuplex(wire.ToArray(), chunks), unused, opener);
        var read = new MemoryStream();
        var buffer = new byte[ReadSizes.Max()];
        var failed = false;
        try
        {
            for (var i = 0; ; i++)
            {
                var n = secure.ReadAsync(buffer.AsMemory(0, ReadSizes[(readSeed + i) % ReadSizes.Length])).AsTask().GetAwaiter().GetResult();
                if (n == 0)
                {
                    break;
                }

                read.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            failed = true;
        }

        if (!read.ToArray().AsSpan().SequenceEqual(expected.ToArray()) || failed != broken)
        {
            throw new FuzzOracleException($"read {read.Length} plaintext bytes of {expected.Length}; failed {failed}, expected failure {broken}");
        }
    }

    private static IEnumerable<byte[]> FrameSeeds()
    {
        yield return [0, 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 3, 9, 9, 9];
        yield return [3, 1, 0, 0x10, 0x00, .. new byte[4096], 1, 0, 2, 7, 7];
        yield return [5, 2, 4, 0, 40, .. new byte[40]];
        yield return [0, 3, 2];
    }
}
