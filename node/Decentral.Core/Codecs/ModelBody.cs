using System.Buffers.Binary;
using Decentral.Wire;

namespace Decentral.Codecs;

/// <summary>
/// The parts of an encoded body (layouts in <c>WireSchema</c>), located without decoding the
/// values: for int8 the block size, scales and bytes; for a sparse body the entry count, the
/// value section and the index gaps. <see cref="TryParse"/> checks the sizes, and with
/// <c>validate</c> also every value a hostile sender could get wrong (non-finite values, bad
/// scales, indices out of range or repeated), so a body that passed decodes without surprises.
/// </summary>
internal readonly ref struct ModelBody
{
    private ModelBody(int count, int blockSize, ReadOnlySpan<byte> scales, ReadOnlySpan<byte> values, ReadOnlySpan<byte> gaps)
    {
        Count = count;
        BlockSize = blockSize;
        Scales = scales;
        Values = values;
        Gaps = gaps;
    }

    /// <summary>Values in the body: the model length when dense, the entry count when sparse.</summary>
    public int Count { get; }

    /// <summary>Int8 block length (0 for the float encodings).</summary>
    public int BlockSize { get; }

    /// <summary>The float32 scales of the int8 encodings.</summary>
    public ReadOnlySpan<byte> Scales { get; }

    /// <summary>The values (float32, half or int8, little-endian).</summary>
    public ReadOnlySpan<byte> Values { get; }

    /// <summary>The index gaps of a sparse body (empty when dense).</summary>
    public ReadOnlySpan<byte> Gaps { get; }

    /// <summary>True for the sparse encodings.</summary>
    public static bool IsSparse(ModelEncoding encoding) => encoding is ModelEncoding.SparseFloat32 or ModelEncoding.SparseFloat16 or ModelEncoding.SparseInt8Block;

    /// <summary>Bytes per value of an encoding.</summary>
    public static int ValueBytes(ModelEncoding encoding) => encoding switch
    {
        ModelEncoding.Float32 or ModelEncoding.SparseFloat32 => 4,
        ModelEncoding.Float16 or ModelEncoding.SparseFloat16 => 2,
        _ => 1,
    };

    /// <summary>True for the int8 encodings.</summary>
    public static bool IsInt8(ModelEncoding encoding) => encoding is ModelEncoding.Int8Block or ModelEncoding.SparseInt8Block;

    /// <summary>
    /// The largest body a model of <paramref name="length"/> parameters can have in
    /// <paramref name="encoding"/> (int8 blocks of one value, every sparse gap at its longest),
    /// which bounds what a receiver allocates for a declared body length.
    /// </summary>
    public static long MaxBodyLength(ModelEncoding encoding, int length)
    {
        long n = length;
        var values = n * ValueBytes(encoding);
        var header = (IsSparse(encoding) ? 4 : 0) + (IsInt8(encoding) ? 4 + (4 * n) : 0);
        return header + values + (IsSparse(encoding) ? SparseIndices.MaxGapBytes * n : 0);
    }

    /// <summary>Locates the parts of <paramref name="body"/>; with <paramref name="validate"/> checks every value too.</summary>
    public static bool TryParse(ModelEncoding encoding, int length, ReadOnlySpan<byte> body, bool validate, out ModelBody parsed, out DecodeError error, out string detail)
    {
        parsed = default;
        error = DecodeError.None;
        detail = string.Empty;
        var sparse = IsSparse(encoding);
        var offset = 0;
        var count = length;
        if (sparse)
        {
            if (body.Length < 4)
            {
                return Fail(out error, out detail, DecodeError.WrongLength, "sparse body: no entry count");
            }

            var declared = BinaryPrimitives.ReadUInt32LittleEndian(body);
            if (declared < 1 || declared > (uint)length)
            {
                return Fail(out error, out detail, DecodeError.SparseCountOutOfRange, $"sparse body: {declared} entries, allowed 1..{length}");
            }

            count = (int)declared;
            offset = 4;
        }

        var blockSize = 0;
        var scaleBytes = 0L;
        if (IsInt8(encoding))
        {
            if (body.Length - offset < 4)
            {
                return Fail(out error, out detail, DecodeError.WrongLength, "int8 body: no block size");
            }

            var declared = BinaryPrimitives.ReadUInt32LittleEndian(body[offset..]);
            if (declared < 1 || declared > ModelCodecOptions.MaxBlockSize)
            {
                return Fail(out error, out detail, DecodeError.InvalidValue, $"int8 body: block size {declared}, allowed 1..{ModelCodecOptions.MaxBlockSize}");
            }

            blockSize = (int)declared;
            offset += 4;
            scaleBytes = (long)Int8Blocks.ScaleCount(count, blockSize) * sizeof(float);
        }

        var valueBytes = (long)count * ValueBytes(encoding);
        if (offset + scaleBytes + valueBytes > body.Length)
        {
            return Fail(out error, out detail, DecodeError.WrongLength, $"{EncodedModel.Name(encoding)} body: {body.Length} bytes cannot hold {count} values");
        }

        var valuesStart = offset + (int)scaleBytes;
        var valuesEnd = valuesStart + (int)valueBytes;
        if (!sparse && valuesEnd != body.Length)
        {
            return Fail(out error, out detail, DecodeError.WrongLength, $"{EncodedModel.Name(encoding)} body: {body.Length - valuesEnd} bytes after {count} values");
        }

        parsed = new ModelBody(count, blockSize, body[offset..valuesStart], body[valuesStart..valuesEnd], sparse ? body[valuesEnd..] : default);
        return !validate || parsed.Validate(encoding, length, out error, out detail);
    }

    private bool Validate(ModelEncoding encoding, int length, out DecodeError error, out string detail)
    {
        error = DecodeError.None;
        detail = string.Empty;
        var bad = encoding switch
        {
            ModelEncoding.Float32 or ModelEncoding.SparseFloat32 => FloatPayload.IndexOfNonFinite(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Values)),
            ModelEncoding.Float16 or ModelEncoding.SparseFloat16 => Float16Values.IndexOfNonFinite(Values),
            _ => -1,
        };
        if (bad >= 0)
        {
            return Fail(out error, out detail, DecodeError.NonFiniteWeight, $"value {bad} is NaN or infinite");
        }

        if (IsInt8(encoding))
        {
            var outside = Int8Blocks.IndexOfOutOfRange(Values);
            if (outside >= 0)
            {
                return Fail(out error, out detail, DecodeError.InvalidValue, $"value {outside} is -128, outside [-127, 127]");
            }

            var scale = Int8Blocks.IndexOfBadScale(Scales, out var infinite);
            if (scale >= 0)
            {
                var value = BinaryPrimitives.ReadSingleLittleEndian(Scales[(scale * sizeof(float))..]);
                return infinite
                    ? Fail(out error, out detail, DecodeError.NonFiniteWeight, $"block {scale}: scale {value} decodes values to infinity")
                    : Fail(out error, out detail, DecodeError.InvalidScale, $"block {scale}: scale {value} (must be finite and positive)");
            }
        }

        if (!IsSparse(encoding))
        {
            return true;
        }

        var indices = System.Buffers.ArrayPool<int>.Shared.Rent(Count);
        try
        {
            var problem = SparseIndices.TryRead(Gaps, length, indices.AsSpan(0, Count), out var where);
            return problem switch
            {
                SparseIndices.Problem.None => true,
                SparseIndices.Problem.Repeated => Fail(out error, out detail, DecodeError.InvalidIndex, $"entry {where}: index repeats"),
                SparseIndices.Problem.OutOfRange => Fail(out error, out detail, DecodeError.InvalidIndex, $"entry {where}: index beyond the {length} parameters"),
                _ => Fail(out error, out detail, DecodeError.WrongLength, $"entry {where}: index gaps malformed or followed by extra bytes"),
            };
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(indices);
        }
    }

    private static bool Fail(out DecodeError error, out string detail, DecodeError reason, string why)
    {
        error = reason;
        detail = why;
        return false;
    }
}
