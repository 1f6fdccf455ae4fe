using System.Buffers.Binary;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using NSec.Cryptography;

namespace Decentral.Libp2p.Noise;

/// <summary>How a Noise handshake ended.</summary>
public enum NoiseStatus
{
    /// <summary>Handshake complete; the channel is authenticated.</summary>
    Ok,

    /// <summary>A message was malformed (size, protobuf, DH with a bad key).</summary>
    ProtocolError,

    /// <summary>A handshake message failed to decrypt (bad AEAD tag).</summary>
    DecryptFailed,

    /// <summary>The identity signature over the static key does not verify, or the key is unsupported.</summary>
    BadSignature,

    /// <summary>The remote authenticated as a different peer than expected.</summary>
    PeerIdMismatch,

    /// <summary>The connection ended during the handshake.</summary>
    EndOfStream,
}

/// <summary>Outcome of the Noise handshake.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Stream">The encrypted stream when <see cref="NoiseStatus.Ok"/>.</param>
/// <param name="RemotePeer">The authenticated remote peer when <see cref="NoiseStatus.Ok"/>.</param>
/// <param name="EarlyMuxer">The muxer agreed in the payloads (null: negotiate with multistream-select).</param>
/// <param name="Reason">Why it failed otherwise.</param>
public sealed record NoiseResult(NoiseStatus Status, NoiseSecureStream? Stream, PeerId? RemotePeer, string? EarlyMuxer, string? Reason);

/// <summary>
/// The libp2p Noise XX handshake (-> e; &lt;- e, ee, s, es; -> s, se) with identity payloads in
/// messages 2 and 3. Each message is framed with a 2-byte big-endian length.
/// </summary>
public static class NoiseHandshake
{
    /// <summary>The protocol id negotiated by multistream-select.</summary>
    public const string ProtocolId = "/noise";

    /// <summary>Largest Noise message, tag included.</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>Runs the handshake over <paramref name="stream"/>.</summary>
    /// <param name="stream">The raw connection (owned by the returned secure stream on success).</param>
    /// <param name="identity">Our identity, which signs our static key.</param>
    /// <param name="initiator">True on the dialing side.</param>
    /// <param name="muxers">Muxers to offer for early negotiation (empty: offer none).</param>
    /// <param name="expectedRemote">When set, the remote must authenticate as this peer.</param>
    /// <param name="cancellationToken">Aborts the handshake.</param>
    public static async Task<NoiseResult> RunAsync(Stream stream, PeerIdentity identity, bool initiator,
        IReadOnlyList<string> muxers, PeerId? expectedRemote, CancellationToken cancellationToken)
    {
        // Keys come from the OS CSPRNG on purpose: a seeded RNG would make session keys predictable.
        var exportable = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        using var staticKey = Key.Create(KeyAgreementAlgorithm.X25519, exportable);
        using var ephemeral = Key.Create(KeyAgreementAlgorithm.X25519, exportable);
        using var state = new SymmetricState();
        var staticPublic = staticKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var ephemeralPublic = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var payload = new HandshakePayload(identity.PeerId.PublicKeyProtobuf.ToArray(),
            identity.Sign(HandshakePayload.SignedData(staticPublic)), muxers).Encode();
        try
        {
            return initiator
                ? await InitiateAsync(stream, state, staticKey, ephemeral, staticPublic, ephemeralPublic, payload, muxers, expectedRemote, cancellationToken).ConfigureAwait(false)
                : await RespondAsync(stream, state, staticKey, ephemeral, staticPublic, ephemeralPublic, payload, muxers, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            return Fail(NoiseStatus.EndOfStream, "connection ended during the Noise handshake");
        }
    }

    private static async Task<NoiseResult> InitiateAsync(Stream stream, SymmetricState state, Key staticKey, Key ephemeral,
        byte[] staticPublic, byte[] ephemeralPublic, byte[] payload, IReadOnlyList<string> muxers, PeerId? expectedRemote, CancellationToken ct)
    {
        // -> e
        state.MixHash(ephemeralPublic);
        var message1 = Concat(ephemeralPublic, state.EncryptAndHash([]));
        await WriteMessageAsync(stream, message1, ct).ConfigureAwait(false);

        // <- e, ee, s, es
        var message2 = await ReadMessageAsync(stream, ct).ConfigureAwait(false);
        if (message2.Length < 32 + 48 + 16)
        {
            return Fail(NoiseStatus.ProtocolError, $"handshake message 2 has {message2.Length} bytes");
        }

        var remoteEphemeral = message2[..32];
        state.MixHash(remoteEphemeral);
        if (!state.MixKey(ephemeral, remoteEphemeral))
        {
            return Fail(NoiseStatus.ProtocolError, "bad remote ephemeral key");
        }

        var remoteStatic = state.DecryptAndHash(message2.AsSpan(32, 48));
        if (remoteStatic is null)
        {
            return Fail(NoiseStatus.DecryptFailed, "bad AEAD tag on the remote static key");
        }

        if (!state.MixKey(ephemeral, remoteStatic))
        {
            return Fail(NoiseStatus.ProtocolError, "bad remote static key");
        }

        var remotePayload = state.DecryptAndHash(message2.AsSpan(80));
        if (remotePayload is null)
        {
            return Fail(NoiseStatus.DecryptFailed, "bad AEAD tag on the responder payload");
        }

        var verified = Verify(remotePayload, remoteStatic, expectedRemote);
        if (verified.Failure is not null)
        {
            return verified.Failure;
        }

        // -> s, se
        var encryptedStatic = state.EncryptAndHash(staticPublic);
        if (!state.MixKey(staticKey, remoteEphemeral))
        {
            return Fail(NoiseStatus.ProtocolError, "bad remote ephemeral key");
        }

        var message3 = Concat(encryptedStatic, state.EncryptAndHash(payload));
        await WriteMessageAsync(stream, message3, ct).ConfigureAwait(false);
        var (send, receive) = state.Split();
        return Ok(stream, send, receive, verified.Peer!, muxers, verified.Muxers!, initiator: true);
    }

    private static async Task<NoiseResult> RespondAsync(Stream stream, SymmetricState state, Key staticKey, Key ephemeral,
        byte[] staticPublic, byte[] ephemeralPublic, byte[] payload, IReadOnlyList<string> muxers, CancellationToken ct)
    {
        // -> e
        var message1 = await ReadMessageAsync(stream, ct).ConfigureAwait(false);
        if (message1.Length < 32)
        {
            return Fail(NoiseStatus.ProtocolError, $"handshake message 1 has {message1.Length} bytes");
        }

        var remoteEphemeral = message1[..32];
        state.MixHash(remoteEphemeral);
        state.DecryptAndHash(message1.AsSpan(32));

        // <- e, ee, s, es
        state.MixHash(ephemeralPublic);
        if (!state.MixKey(ephemeral, remoteEphemeral))
        {
            return Fail(NoiseStatus.ProtocolError, "bad remote ephemeral key");
        }

        var encryptedStatic = state.EncryptAndHash(staticPublic);
        state.MixKey(staticKey, remoteEphemeral);
        var message2 = Concat(Concat(ephemeralPublic, encryptedStatic), state.EncryptAndHash(payload));
        await WriteMessageAsync(stream, message2, ct).ConfigureAwait(false);

        // -> s, se
        var message3 = await ReadMessageAsync(stream, ct).ConfigureAwait(false);
        if (message3.Length < 48 + 16)
        {
            return Fail(NoiseStatus.ProtocolError, $"handshake message 3 has {message3.Length} bytes");
        }

        var remoteStatic = state.DecryptAndHash(message3.AsSpan(0, 48));
        if (remoteStatic is null)
        {
            return Fail(NoiseStatus.DecryptFailed, "bad AEAD tag on the remote static key");
        }

        if (!state.MixKey(ephemeral, remoteStatic))
        {
            return Fail(NoiseStatus.ProtocolError, "bad remote static key");
        }

        var remotePayload = state.DecryptAndHash(message3.AsSpan(48));
        if (remotePayload is null)
        {
            return Fail(NoiseStatus.DecryptFailed, "bad AEAD tag on the initiator payload");
        }

        var verified = Verify(remotePayload, remoteStatic, null);
        if (verified.Failure is not null)
        {
            return verified.Failure;
        }

        var (receive, send) = state.Split();
        return Ok(stream, send, receive, verified.Peer!, muxers, verified.Muxers!, initiator: false);
    }

    private static (PeerId? Peer, IReadOnlyList<string>? Muxers, NoiseResult? Failure) Verify(byte[] payloadBytes, byte[] remoteStatic, PeerId? expected)
    {
        if (!HandshakePayload.TryDecode(payloadBytes, out var payload))
        {
            return (null, null, Fail(NoiseStatus.ProtocolError, "malformed handshake payload"));
        }

        if (!PeerIdText.TryFromPublicKeyProtobuf(payload.IdentityKey, out var peer))
        {
            return (null, null, Fail(NoiseStatus.BadSignature, "identity key is not an Ed25519 PublicKey protobuf"));
        }

        if (!PeerIdentity.Verify(peer.PublicKey, HandshakePayload.SignedData(remoteStatic), payload.IdentitySignature))
        {
            return (null, null, Fail(NoiseStatus.BadSignature, $"identity signature of {peer} does not verify"));
        }

        if (expected is not null && expected != peer)
        {
            return (null, null, Fail(NoiseStatus.PeerIdMismatch, $"expected {expected}, remote is {peer}"));
        }

        return (peer, payload.StreamMuxers, null);
    }

    private static NoiseResult Ok(Stream stream, CipherState send, CipherState receive, PeerId peer,
        IReadOnlyList<string> ours, IReadOnlyList<string> theirs, bool initiator)
    {
        // js-libp2p skips the muxer negotiation whenever the remote's payload lists muxers, so the
        // decision must follow what WE sent: if we offered muxers the remote skips, and so must we.
        // When both sides listed muxers the initiator's order picks the common one.
        string? muxer = null;
        if (ours.Count > 0)
        {
            var (preferred, other) = initiator ? (ours, theirs) : (theirs, ours);
            muxer = theirs.Count == 0 ? ours[0] : preferred.FirstOrDefault(other.Contains);
        }

        return new NoiseResult(NoiseStatus.Ok, new NoiseSecureStream(stream, send, receive), peer, muxer, null);
    }

    private static NoiseResult Fail(NoiseStatus status, string reason) => new(status, null, null, null, reason);

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    private static async Task WriteMessageAsync(Stream stream, byte[] message, CancellationToken ct)
    {
        var frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        await stream.WriteAsync(frame, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadMessageAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[2];
        await stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(header)];
        await stream.ReadExactlyAsync(message, ct).ConfigureAwait(false);
        return message;
    }
}
