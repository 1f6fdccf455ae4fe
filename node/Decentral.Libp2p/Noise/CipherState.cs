using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using PlatformAead = System.Security.Cryptography.ChaCha20Poly1305;

namespace Decentral.Libp2p.Noise;

/// <summary>
/// A Noise CipherState: a ChaCha20-Poly1305 key and a 64-bit nonce counter (nonce = 4 zero
/// bytes + counter little-endian). The counter never wraps: 2^64-1 is reserved by the spec,
/// and reaching it is a failure rather than nonce reuse.
/// </summary>
/// <remarks>
/// Uses the platform AEAD (OpenSSL on Linux) when available because it is about 2.5x faster
/// than libsodium's portable build here (measured by scripts/bench-libp2p.sh); NSec otherwise.
/// </remarks>
internal sealed class CipherState : IDisposable
{
    /// <summary>Bytes the AEAD tag adds.</summary>
    public const int TagLength = 16;

    private static readonly AeadAlgorithm Portable = AeadAlgorithm.ChaCha20Poly1305;
    private readonly PlatformAead? _platform;
    private readonly Key? _portableKey;
    private ulong _nonce;

    public CipherState(ReadOnlySpan<byte> key, ulong initialNonce = 0)
    {
        if (PlatformAead.IsSupported)
        {
            _platform = new PlatformAead(key);
        }
        else
        {
            _portableKey = Key.Import(Portable, key, KeyBlobFormat.RawSymmetricKey);
        }

        _nonce = initialNonce;
    }

    /// <summary>The next nonce value (for tests of the nonce rules).</summary>
    public ulong Nonce => _nonce;

    /// <summary>
    /// Encrypts into <paramref name="ciphertext"/> (plaintext length + 16: ciphertext then tag); the
    /// plaintext may be the start of <paramref name="ciphertext"/> itself (sealing in place).
    /// </summary>
    public void Encrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        if (_platform is not null)
        {
            _platform.Encrypt(nonce, plaintext, ciphertext[..plaintext.Length], ciphertext.Slice(plaintext.Length, TagLength), associatedData);
        }
        else if (plaintext.Overlaps(ciphertext))
        {
            // Sealing in place: NSec wants separate buffers.
            var copy = plaintext.ToArray();
            Portable.Encrypt(_portableKey!, nonce, associatedData, copy, ciphertext[..(copy.Length + TagLength)]);
        }
        else
        {
            Portable.Encrypt(_portableKey!, nonce, associatedData, plaintext, ciphertext[..(plaintext.Length + TagLength)]);
        }
    }

    /// <summary>Decrypts; false when the tag does not verify (the nonce is consumed either way).</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        if (ciphertext.Length < TagLength)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        var length = ciphertext.Length - TagLength;
        if (_portableKey is not null)
        {
            return Portable.Decrypt(_portableKey, nonce, associatedData, ciphertext, plaintext[..length]);
        }

        try
        {
            _platform!.Decrypt(nonce, ciphertext[..length], ciphertext[length..], plaintext[..length], associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // A bad tag is remote input, reported as a value; the platform API signals it by exception.
            plaintext[..length].Clear();
            return false;
        }
    }

    public void Dispose()
    {
        _platform?.Dispose();
        _portableKey?.Dispose();
    }

    private void NextNonce(Span<byte> nonce)
    {
        if (_nonce == ulong.MaxValue)
        {
            throw new InvalidOperationException("Noise nonce exhausted; the session must be closed.");
        }

        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _nonce++);
    }
}
