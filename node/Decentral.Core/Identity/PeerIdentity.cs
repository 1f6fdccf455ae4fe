using NSec.Cryptography;

namespace Decentral.Identity;

/// <summary>
/// A peer's Ed25519 key pair and the peer id derived from it. Owns a native key: dispose it.
/// </summary>
public sealed class PeerIdentity : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private PeerIdentity(Key key)
    {
        _key = key;
        PeerId = PeerId.FromPublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The peer id of this key pair.</summary>
    public PeerId PeerId { get; }

    /// <summary>The raw 32-byte public key.</summary>
    public ReadOnlySpan<byte> PublicKey => PeerId.PublicKey;

    /// <summary>Creates a fresh random key pair (uses the OS random source; only for real nodes).</summary>
    public static PeerIdentity Generate() =>
        new(Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Creates the key pair for a 32-byte Ed25519 seed (private key), deterministically.</summary>
    public static PeerIdentity FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed has 32 bytes.", nameof(seed));
        }

        return new PeerIdentity(Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>The 32-byte seed, to persist the identity (keep it secret).</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>Signs <paramref name="data"/> (64-byte Ed25519 signature).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);

    /// <summary>Verifies an Ed25519 signature by the given 32-byte public key.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64)
        {
            return false;
        }

        return PublicKeyOf(publicKey) is { } key && Algorithm.Verify(key, data, signature);
    }

    private static NSec.Cryptography.PublicKey? PublicKeyOf(ReadOnlySpan<byte> raw) =>
        NSec.Cryptography.PublicKey.TryImport(Algorithm, raw, KeyBlobFormat.RawPublicKey, out var key) ? key : null;

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
