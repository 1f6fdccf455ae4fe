using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using SimpleBase;

namespace Decentral.Identity;

/// <summary>
/// A libp2p peer id for an Ed25519 key: the identity multihash of the PublicKey protobuf,
/// i.e. <c>00 24 08 01 12 20</c> followed by the 32 key bytes (38 bytes). Its text form is
/// base58btc ("12D3KooW..."). Immutable; equality and hashing are by bytes.
/// </summary>
/// <remarks>
/// The hash code is computed from the key bytes with a fixed function (never the per-process
/// randomized string hash), so it is stable across processes; it is used only for in-memory
/// dictionaries, never for sampling (sampling uses SHA-256, see <c>SampleOrder</c>).
/// </remarks>
public sealed class PeerId : IEquatable<PeerId>, IComparable<PeerId>
{
    /// <summary>Length of an Ed25519 public key.</summary>
    public const int KeyLength = 32;

    // SimpleBase's decoder indexes a 128-entry table by character and throws on anything else,
    // so text is checked against the alphabet first (found by fuzzing multiaddr text).
    private static readonly SearchValues<char> Base58Alphabet = SearchValues.Create("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz");

    /// <summary>Length of the encoded peer id (identity multihash of the key protobuf).</summary>
    public const int EncodedLength = 38;

    // identity multihash code 0x00, digest length 0x24 (36), then PublicKey protobuf
    // { field 1 varint KeyType=1 (Ed25519), field 2 bytes length 32 }.
    private static ReadOnlySpan<byte> Prefix => [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

    private readonly byte[] _bytes;
    private readonly int _hash;
    private string? _text;

    private PeerId(byte[] bytes)
    {
        _bytes = bytes;
        _hash = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Prefix.Length, 4));
    }

    /// <summary>The 38 encoded bytes (multihash). Do not mutate the returned memory.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>The encoded bytes as a span.</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _bytes.AsSpan(Prefix.Length, KeyLength);

    /// <summary>The PublicKey protobuf (36 bytes), as libp2p signs and exchanges it.</summary>
    public ReadOnlySpan<byte> PublicKeyProtobuf => _bytes.AsSpan(2);

    /// <summary>Builds the peer id of a 32-byte Ed25519 public key.</summary>
    public static PeerId FromPublicKey(ReadOnlySpan<byte> ed25519PublicKey)
    {
        if (ed25519PublicKey.Length != KeyLength)
        {
            throw new ArgumentException($"An Ed25519 public key has {KeyLength} bytes, got {ed25519PublicKey.Length}.", nameof(ed25519PublicKey));
        }

        var bytes = new byte[EncodedLength];
        Prefix.CopyTo(bytes);
        ed25519PublicKey.CopyTo(bytes.AsSpan(Prefix.Length));
        return new PeerId(bytes);
    }

    /// <summary>Decodes the binary (multihash) form; false when it is not an Ed25519 identity peer id.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out PeerId? peerId)
    {
        peerId = null;
        if (encoded.Length != EncodedLength || !encoded[..Prefix.Length].SequenceEqual(Prefix))
        {
            return false;
        }

        peerId = new PeerId(encoded.ToArray());
        return true;
    }

    /// <summary>Decodes the binary form or throws <see cref="FormatException"/>.</summary>
    public static PeerId FromBytes(ReadOnlySpan<byte> encoded) =>
        TryFromBytes(encoded, out var id) ? id : throw new FormatException("Not an Ed25519 identity-multihash peer id.");

    /// <summary>Parses the base58btc text form ("12D3KooW...").</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PeerId? peerId)
    {
        peerId = null;
        if (string.IsNullOrEmpty(text) || text.Length > 64 || text.AsSpan().ContainsAnyExcept(Base58Alphabet))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[64];
        if (!Base58.Bitcoin.TryDecode(text, buffer, out var written))
        {
            return false;
        }

        return TryFromBytes(buffer[..written], out peerId);
    }

    /// <summary>Parses the base58btc text form or throws <see cref="FormatException"/>.</summary>
    public static PeerId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a base58btc Ed25519 peer id.");

    /// <inheritdoc />
    public override string ToString() => _text ??= Base58.Bitcoin.Encode(_bytes);

    /// <inheritdoc />
    public bool Equals(PeerId? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && _bytes.AsSpan().SequenceEqual(other._bytes)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PeerId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>Orders by encoded bytes (a stable total order for deterministic iteration).</summary>
    public int CompareTo(PeerId? other) => other is null ? 1 : _bytes.AsSpan().SequenceCompareTo(other._bytes);

    /// <summary>Equality by bytes.</summary>
    public static bool operator ==(PeerId? left, PeerId? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by bytes.</summary>
    public static bool operator !=(PeerId? left, PeerId? right) => !(left == right);
}
