using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Decentral.Libp2p.Multiformats;

/// <summary>A self-describing hash: varint code, varint digest length, digest.</summary>
/// <param name="Code">The hash function code (0x00 identity, 0x12 sha2-256).</param>
/// <param name="Digest">The digest bytes.</param>
public sealed record Multihash(ulong Code, ReadOnlyMemory<byte> Digest)
{
    /// <summary>The identity "hash" (the digest is the input).</summary>
    public const ulong Identity = 0x00;

    /// <summary>SHA2-256.</summary>
    public const ulong Sha2_256 = 0x12;

    /// <summary>Hashes <paramref name="data"/> with SHA2-256.</summary>
    public static Multihash Sha256Of(ReadOnlySpan<byte> data) => new(Sha2_256, SHA256.HashData(data));

    /// <summary>The encoded form.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Varint.SizeOf(Code) + Varint.SizeOf((ulong)Digest.Length) + Digest.Length];
        var n = Varint.Write(Code, bytes);
        n += Varint.Write((ulong)Digest.Length, bytes.AsSpan(n));
        Digest.Span.CopyTo(bytes.AsSpan(n));
        return bytes;
    }

    /// <summary>Decodes a multihash that fills <paramref name="encoded"/> exactly.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out Multihash? multihash)
    {
        multihash = null;
        if (Varint.TryRead(encoded, out var code, out var n1) != VarintStatus.Ok)
        {
            return false;
        }

        if (Varint.TryRead(encoded[n1..], out var length, out var n2) != VarintStatus.Ok)
        {
            return false;
        }

        var rest = encoded[(n1 + n2)..];
        if ((ulong)rest.Length != length || (code == Sha2_256 && length != 32))
        {
            return false;
        }

        multihash = new Multihash(code, rest.ToArray());
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Multihash? other) =>
        other is not null && Code == other.Code && Digest.Span.SequenceEqual(other.Digest.Span);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Code, Digest.Length);
}
