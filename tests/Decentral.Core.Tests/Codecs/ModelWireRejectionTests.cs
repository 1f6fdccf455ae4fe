using System.Buffers.Binary;
using Decentral.Codecs;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Wire;
using MessagePack;
using static Decentral.Core.Tests.Wire.RawMessage;

namespace Decentral.Core.Tests.Codecs;

/// <summary>Every way a model body can be wrong is rejected by the wire codec with its own reason and a detail.</summary>
public sealed class ModelWireRejectionTests
{
    private const int Length = 10;
    private readonly WireCodec _codec = new();

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    // name -> (encoded message, expected error)
    private static Dictionary<string, (byte[] Bytes, DecodeError Error)> Cases { get; } = new()
    {
        ["unknown codec 0"] = (Aggregate(0, 0, Floats(Length)), DecodeError.UnknownCodec),
        ["unknown codec 7"] = (Aggregate(7, 0, Floats(Length)), DecodeError.UnknownCodec),
        ["unknown codec 255"] = (Aggregate(255, 0, Floats(Length)), DecodeError.UnknownCodec),
        ["unknown lossless 3"] = (Aggregate(1, 3, Floats(Length)), DecodeError.UnknownCodec),
        ["fp32 short body"] = (Aggregate(1, 0, Floats(Length)[..^4]), DecodeError.WrongLength),
        ["fp16 short body"] = (Aggregate(2, 0, Halves(Length)[..^1]), DecodeError.WrongLength),
        ["int8 missing scale"] = (Aggregate(3, 0, Int8(Length, 4, 1f)[..^(Length + 4)]), DecodeError.WrongLength),
        ["int8 extra byte"] = (Aggregate(3, 0, [.. Int8(Length, 4, 1f), 0]), DecodeError.WrongLength),
        ["declared body length differs"] = (Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, [Array(3), Int(1), .. Model("m"u8.ToArray(), Length, 1, 0, 44, Bin(Floats(Length))), EmptyView()]), DecodeError.WrongLength),
        ["fp32 NaN"] = (Aggregate(1, 0, Floats(Length, at: 3, value: float.NaN)), DecodeError.NonFiniteWeight),
        ["fp16 NaN"] = (Aggregate(2, 0, Halves(Length, at: 9, bits: 0x7E00)), DecodeError.NonFiniteWeight),
        ["fp16 infinity"] = (Aggregate(2, 0, Halves(Length, at: 0, bits: 0xFC00)), DecodeError.NonFiniteWeight),
        ["int8 scale decodes to infinity"] = (Aggregate(3, 0, Int8(Length, 4, 3e38f)), DecodeError.NonFiniteWeight),
        ["int8 scale NaN"] = (Aggregate(3, 0, Int8(Length, 4, float.NaN)), DecodeError.InvalidScale),
        ["int8 scale zero"] = (Aggregate(3, 0, Int8(Length, 4, 0f)), DecodeError.InvalidScale),
        ["int8 scale negative"] = (Aggregate(3, 0, Int8(Length, 4, -1f)), DecodeError.InvalidScale),
        ["int8 scale infinite"] = (Aggregate(3, 0, Int8(Length, 4, float.PositiveInfinity)), DecodeError.InvalidScale),
        ["int8 block size 0"] = (Aggregate(3, 0, Int8(Length, 0, 1f)), DecodeError.InvalidValue),
        ["int8 value -128"] = (Aggregate(3, 0, Int8(Length, 4, 1f, q: unchecked((byte)-128))), DecodeError.InvalidValue),
        ["sparse k 0"] = (Trained(4, Sparse(0, [], [])), DecodeError.SparseCountOutOfRange),
        ["sparse k above length"] = (Trained(4, Sparse(Length + 1, Enumerable.Range(0, Length + 1).ToArray(), [])), DecodeError.SparseCountOutOfRange),
        ["sparse index out of range"] = (Trained(4, Sparse(2, [3, Length], [1f, 1f])), DecodeError.InvalidIndex),
        ["sparse index repeated"] = (Trained(4, SparseGaps([1f, 1f], [4, 0])), DecodeError.InvalidIndex),
        ["sparse gaps missing"] = (Trained(4, SparseGaps([1f, 1f], [4])), DecodeError.WrongLength),
        ["sparse value NaN"] = (Trained(4, Sparse(2, [1, 2], [1f, float.NaN])), DecodeError.NonFiniteWeight),
        ["sparse whole model"] = (Aggregate(4, 0, Sparse(2, [1, 2], [1f, 1f])), DecodeError.InvalidValue),
        ["zstd frame corrupt"] = (Aggregate(3, 2, Enumerable.Repeat((byte)0x5a, 20).ToArray(), declared: 4 + 12 + Length), DecodeError.BadCompression),
        ["lz4 frame corrupt"] = (Aggregate(3, 1, [0xf0, 1, 2, 3], declared: 4 + 12 + Length), DecodeError.BadCompression),
        ["compressed not smaller"] = (Aggregate(2, 1, new byte[40], declared: 20), DecodeError.WrongLength),
        ["hash of 15 bytes"] = (Envelope(WireCodec.FormatVersion, (int)MessageKind.BaseRequest, Array(2), Int(1), Bin(new byte[15])), DecodeError.WrongLength),
        ["length above limit"] = (Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, [Array(3), Int(1), .. Model("m"u8.ToArray(), int.MaxValue, 1, 0, 0, Bin([])), EmptyView()]), DecodeError.LimitExceeded),
    };

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decode_BadModel_IsRejectedWithItsReasonAndADetail(string name)
    {
        var (bytes, error) = Cases[name];

        var result = _codec.Decode(bytes);

        Assert.False(result.Ok, name);
        Assert.Equal(error, result.Error);
        Assert.NotEmpty(result.Detail);
    }

    [FsCheck.Xunit.Property(MaxTest = 1000)]
    public void Decode_RandomCompressedBody_IsRejectedOrValidNeverThrows(byte[] body, bool zstd, byte codec)
    {
        // Any bytes behind a lossless stage: a frame that does not decompress to the declared
        // length is BadCompression, one that does must then pass the codec's own checks.
        var declared = 4 + 12 + Length;
        var result = _codec.Decode(Aggregate(1 + (codec % 3), zstd ? 2 : 1, body.Length < declared ? body : body[..(declared - 1)], declared));

        Assert.True(result.Ok || result.Error is DecodeError.BadCompression or DecodeError.WrongLength or DecodeError.NonFiniteWeight or DecodeError.InvalidScale or DecodeError.InvalidValue, result.ToString());
    }

    [FsCheck.Xunit.Property(MaxTest = 1000)]
    public void Decode_ValidFrameOfAnyBody_DecidesAsTheUncompressedBody(byte[] pattern, bool zstd, byte codec)
    {
        // The lossless stage is transparent: a frame that does decompress (random bytes rarely do,
        // so the body is a short random pattern repeated) gets the verdict its plain body gets.
        var quantizer = 1 + (codec % 3);
        var plain = Repeat(pattern, quantizer switch { 1 => 4 * Length, 2 => 2 * Length, _ => 4 + 12 + Length });
        var kind = zstd ? LosslessCompression.Zstd : LosslessCompression.Lz4;
        var frame = LosslessStage.Compress(kind, plain, null, out _);
        var expected = _codec.Decode(Aggregate(quantizer, 0, plain));

        var result = frame is null ? expected : _codec.Decode(Aggregate(quantizer, (long)kind, frame, plain.Length));

        Assert.Equal((expected.Ok, expected.Error), (result.Ok, result.Error));
    }

    [Fact]
    public void Cases_WithTheBadFieldRepaired_Decode()
    {
        // The cases are wrong in one field only: the same shapes with good values are accepted.
        Assert.True(_codec.Decode(Aggregate(1, 0, Floats(Length))).Ok);
        Assert.True(_codec.Decode(Aggregate(2, 0, Halves(Length))).Ok);
        Assert.True(_codec.Decode(Aggregate(3, 0, Int8(Length, 4, 1f))).Ok);
        Assert.True(_codec.Decode(Trained(4, Sparse(2, [3, Length - 1], [1f, 1f]))).Ok);
        Assert.True(_codec.Decode(Trained(6, SparseInt8(2, [0, 5]))).Ok);
    }

    private static Part EmptyView() => (ref MessagePackWriter w) =>
    {
        w.WriteArrayHeader(3);
        w.Write(0UL);
        w.Write(false);
        w.WriteArrayHeader(0);
    };

    private static byte[] Aggregate(long codec, long lossless, byte[] body, long? declared = null) =>
        Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, [Array(3), Int(1), .. Model("m"u8.ToArray(), Length, codec, lossless, declared ?? body.Length, Bin(body)), EmptyView()]);

    private static byte[] Trained(long codec, byte[] body)
    {
        Part modelBase = (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(3);
            w.Write(new byte[ModelHash.Length]);
        };
        return Envelope(WireCodec.FormatVersion, (int)MessageKind.TrainedModel, [Array(4), Int(4), .. Model("m"u8.ToArray(), Length, codec, 0, body.Length, Bin(body), modelBase), Int(10), EmptyView()]);
    }

    private static byte[] Repeat(byte[] pattern, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length && pattern is { Length: > 0 }; i++)
        {
            bytes[i] = pattern[i % Math.Min(pattern.Length, 4)];
        }

        return bytes;
    }

    private static byte[] Floats(int count, int at = -1, float value = 0)
    {
        var bytes = new byte[count * 4];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), i == at ? value : i * 0.5f);
        }

        return bytes;
    }

    private static byte[] Halves(int count, int at = -1, ushort bits = 0)
    {
        var bytes = new byte[count * 2];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), i == at ? bits : (ushort)0x3C00);
        }

        return bytes;
    }

    // blockSize, ceil(count / blockSize) scales (the first one `scale`, the others 1), count values.
    private static byte[] Int8(int count, int blockSize, float scale, byte q = 127)
    {
        var scales = blockSize == 0 ? 1 : (count + blockSize - 1) / blockSize;
        var bytes = new byte[4 + (4 * scales) + count];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)blockSize);
        for (var s = 0; s < scales; s++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 + (4 * s)), s == 0 ? scale : 1f);
        }

        bytes.AsSpan(4 + (4 * scales)).Fill(q);
        return bytes;
    }

    // count (u32), float32 values, gaps from the ascending indices.
    private static byte[] Sparse(int count, int[] indices, float[] values)
    {
        var gaps = new List<int>();
        var previous = -1;
        foreach (var index in indices)
        {
            gaps.Add(index - previous);
            previous = index;
        }

        return [.. BitConverter.GetBytes(count), .. SparseBody(values, gaps)];
    }

    private static byte[] SparseGaps(float[] values, int[] gaps) => [.. BitConverter.GetBytes(values.Length), .. SparseBody(values, gaps)];

    private static byte[] SparseBody(float[] values, IEnumerable<int> gaps) =>
        [.. values.SelectMany(BitConverter.GetBytes), .. gaps.Select(g => (byte)g)];

    private static byte[] SparseInt8(int count, int[] indices)
    {
        var encoder = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, TopK = count / (double)Length });
        var trained = new float[Length];
        foreach (var i in indices)
        {
            trained[i] = 1 + i;
        }

        return encoder.EncodeDelta(new ModelVector("m", trained), new float[Length], new ModelBase(3, default)).Body.ToArray();
    }
}
