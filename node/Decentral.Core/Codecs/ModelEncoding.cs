using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Decentral.Codecs;

/// <summary>
/// Wire id of a model body's encoding (the "codec id" of a model message). Values are part of
/// the wire format: receivers reject ids they do not know. Body layouts: see <c>WireSchema</c>.
/// </summary>
public enum ModelEncoding : byte
{
    /// <summary>Every parameter as little-endian float32.</summary>
    Float32 = 1,

    /// <summary>Every parameter as little-endian IEEE half precision.</summary>
    Float16 = 2,

    /// <summary>Every parameter as a signed byte, with one float32 scale per block.</summary>
    Int8Block = 3,

    /// <summary>Some entries (ascending indices as gaps) with float32 values; the others are zero.</summary>
    SparseFloat32 = 4,

    /// <summary>Some entries with half-precision values.</summary>
    SparseFloat16 = 5,

    /// <summary>Some entries with signed-byte values, one float32 scale per block of values.</summary>
    SparseInt8Block = 6,
}

/// <summary>Wire id of the lossless stage applied to a model body. Values are part of the wire format.</summary>
public enum LosslessCompression : byte
{
    /// <summary>The body as it is.</summary>
    None = 0,

    /// <summary>LZ4 block format.</summary>
    Lz4 = 1,

    /// <summary>Zstandard frame.</summary>
    Zstd = 2,
}

/// <summary>
/// A model's identity for deltas: the first 16 bytes of SHA-256 over its parameters as
/// little-endian float32. Equal hashes mean equal parameters, bit for bit (collisions need 2^64
/// work even for an adversary), so an aggregator can check a base before adding a delta to it.
/// </summary>
/// <param name="High">Bytes 0-7 of the digest, big-endian.</param>
/// <param name="Low">Bytes 8-15 of the digest, big-endian.</param>
public readonly record struct ModelHash(ulong High, ulong Low)
{
    /// <summary>Bytes of a hash on the wire.</summary>
    public const int Length = 16;

    /// <summary>The hash of <paramref name="parameters"/>.</summary>
    public static ModelHash Of(ReadOnlySpan<float> parameters)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        if (BitConverter.IsLittleEndian)
        {
            SHA256.HashData(MemoryMarshal.AsBytes(parameters), digest);
        }
        else
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> value = stackalloc byte[sizeof(float)];
            foreach (var p in parameters)
            {
                BinaryPrimitives.WriteSingleLittleEndian(value, p);
                hash.AppendData(value);
            }

            hash.GetHashAndReset(digest);
        }

        return FromBytes(digest);
    }

    /// <summary>Reads a hash from its first <see cref="Length"/> bytes.</summary>
    public static ModelHash FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    /// <summary>Writes the <see cref="Length"/> bytes of the hash.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <inheritdoc />
    public override string ToString() => $"{High:x16}{Low:x16}";
}

/// <summary>The model a delta applies to: the round of the aggregate a trainer started from, and that aggregate's hash.</summary>
/// <param name="Round">The aggregate's round (the initial model is round 1's).</param>
/// <param name="Hash">The hash of its parameters as the trainer decoded them.</param>
public readonly record struct ModelBase(long Round, ModelHash Hash)
{
    /// <inheritdoc />
    public override string ToString() => $"round {Round} ({Hash.ToString()[..8]})";
}
