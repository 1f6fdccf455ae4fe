using System.Buffers.Binary;
using NSec.Cryptography;

namespace Decentral.Libp2p.Noise;

/// <summary>
/// A Noise CipherState: a ChaCha20-Poly1305 key and a 64-bit nonce counter (nonce = 4 zero
/// bytes + counter little-endian). The counter never wraps: 2^64-1 is reserved by the spec,
/// and reaching it is a failure rather than nonce reuse.
/// </summary>
internal sealed class CipherState : IDisposable
{
    /// <summary>Bytes the AEAD tag adds.</summary>
    public const int TagLength = 16;

    private static readonly AeadAlgorithm Aead = AeadAlgorithm.ChaCha20Poly1305;
    private readonly Key _key;
    private ulong _nonce;

    public CipherState(ReadOnlySpan<byte> key, ulong initialNonce = 0)
    {
        _key = Key.Import(Aead, key, KeyBlobFormat.RawSymmetricKey);
        _nonce = initialNonce;
    }

    /// <summary>The next nonce value (for tests of the nonce rules).</summary>
    public ulong Nonce => _nonce;

    /// <summary>Encrypts into <paramref name="ciphertext"/> (plaintext length + 16).</summary>
    public void Encrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        Aead.Encrypt(_key, nonce, associatedData, plaintext, ciphertext[..(plaintext.Length + TagLength)]);
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
        return Aead.Decrypt(_key, nonce, associatedData, ciphertext, plaintext[..(ciphertext.Length - TagLength)]);
    }

    public void Dispose() => _key.Dispose();

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
