using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Decentral.Libp2p.Noise;

/// <summary>
/// The Noise SymmetricState for Noise_XX_25519_ChaChaPoly_SHA256: chaining key, handshake hash
/// and the current handshake cipher. HKDF(ck, ikm) of the spec is RFC 5869 HKDF-SHA256 with
/// salt = ck and empty info, which is what NSec/.NET compute.
/// </summary>
internal sealed class SymmetricState : IDisposable
{
    /// <summary>The full Noise protocol name (exactly 32 bytes, so it is the initial hash).</summary>
    public const string ProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";

    private readonly byte[] _ck = new byte[32];
    private readonly byte[] _h = new byte[32];
    private CipherState? _cipher;

    public SymmetricState()
    {
        Encoding.ASCII.GetBytes(ProtocolName, _h);
        _h.CopyTo(_ck, 0);
        MixHash([]);
    }

    public ReadOnlySpan<byte> HandshakeHash => _h;

    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_h);
        hash.AppendData(data);
        hash.GetHashAndReset(_h);
    }

    /// <summary>MixKey with the result of a DH; false when the DH fails (low-order remote key).</summary>
    public bool MixKey(Key localPrivate, ReadOnlySpan<byte> remotePublic)
    {
        if (!PublicKey.TryImport(KeyAgreementAlgorithm.X25519, remotePublic, KeyBlobFormat.RawPublicKey, out var remote))
        {
            return false;
        }

        using var shared = KeyAgreementAlgorithm.X25519.Agree(localPrivate, remote!);
        if (shared is null)
        {
            return false;
        }

        Span<byte> output = stackalloc byte[64];
        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, _ck, ReadOnlySpan<byte>.Empty, output);
        output[..32].CopyTo(_ck);
        _cipher?.Dispose();
        _cipher = new CipherState(output[32..]);
        CryptographicOperations.ZeroMemory(output);
        return true;
    }

    /// <summary>Encrypts (once a key exists) and mixes the ciphertext into the hash.</summary>
    public byte[] EncryptAndHash(ReadOnlySpan<byte> plaintext)
    {
        byte[] output;
        if (_cipher is null)
        {
            output = plaintext.ToArray();
        }
        else
        {
            output = new byte[plaintext.Length + CipherState.TagLength];
            _cipher.Encrypt(_h, plaintext, output);
        }

        MixHash(output);
        return output;
    }

    /// <summary>Decrypts (once a key exists) and mixes the ciphertext; null when the tag is bad.</summary>
    public byte[]? DecryptAndHash(ReadOnlySpan<byte> ciphertext)
    {
        byte[] output;
        if (_cipher is null)
        {
            output = ciphertext.ToArray();
        }
        else
        {
            if (ciphertext.Length < CipherState.TagLength)
            {
                return null;
            }

            output = new byte[ciphertext.Length - CipherState.TagLength];
            if (!_cipher.TryDecrypt(_h, ciphertext, output))
            {
                return null;
            }
        }

        MixHash(ciphertext);
        return output;
    }

    /// <summary>Derives the two transport ciphers: (initiator-to-responder, responder-to-initiator).</summary>
    public (CipherState First, CipherState Second) Split()
    {
        // HKDF(ck, zero-length ikm) spelled out with HMAC: OpenSSL's HKDF rejects an empty ikm.
        Span<byte> temp = stackalloc byte[32];
        Span<byte> output = stackalloc byte[64];
        Span<byte> block = stackalloc byte[33];
        HMACSHA256.HashData(_ck, ReadOnlySpan<byte>.Empty, temp);
        block[0] = 0x01;
        HMACSHA256.HashData(temp, block[..1], output[..32]);
        output[..32].CopyTo(block);
        block[32] = 0x02;
        HMACSHA256.HashData(temp, block, output[32..]);
        CryptographicOperations.ZeroMemory(temp);
        var result = (new CipherState(output[..32]), new CipherState(output[32..]));
        CryptographicOperations.ZeroMemory(output);
        return result;
    }

    public void Dispose()
    {
        _cipher?.Dispose();
        CryptographicOperations.ZeroMemory(_ck);
    }
}
