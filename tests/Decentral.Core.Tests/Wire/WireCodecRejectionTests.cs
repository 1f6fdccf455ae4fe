using Decentral.Codecs;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Wire;
using FsCheck.Xunit;
using static Decentral.Core.Tests.Wire.RawMessage;
using static Decentral.Core.Tests.Wire.WireCodecRoundTripTests;

namespace Decentral.Core.Tests.Wire;

public sealed class WireCodecRejectionTests
{
    private readonly WireCodec _codec = new();

    public static TheoryData<string> SampleNames => new(Samples.Keys);

    private static Dictionary<string, ProtocolMessage> Samples { get; } = new()
    {
        ["ping"] = new Ping(long.MinValue, 1 << 20, 3),
        ["pong"] = new Pong(42, 0, 1, 0, 0),
        ["trained"] = new TrainedModel(7, new ModelVector("lenet5", [1f, -2f, 3.5f, 0f, 9f], 100), 20, View(2)),
        ["aggregated"] = new AggregatedModel(70_000, new ModelVector(new string('x', 40), new float[70], 0), View(17)),
        ["ack"] = new Ack(5, false),
        ["advert"] = new Advert(new PeerRecord(SomePeer(3), 4, 2, MembershipStatus.Leave)),
        ["viewRequest"] = new ViewRequest(ulong.MaxValue),
        ["viewSnapshot"] = new ViewSnapshot(View(3)),
    };

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Decode_TruncatedAtEveryPosition_IsTruncated(string sample)
    {
        var bytes = Encode(Samples[sample]);
        var whole = _codec.Decode(bytes);
        Assert.True(whole.Ok, whole.ToString());
        Assert.Null(MessageComparer.Difference(Samples[sample], whole.Message));

        for (var length = 0; length < bytes.Length; length++)
        {
            var result = _codec.Decode(bytes.AsMemory(0, length));
            Assert.True(result.Error == DecodeError.Truncated, $"{sample} cut at {length}/{bytes.Length}: {result}");
        }
    }

    [Property(Arbitrary = [typeof(WireGenerators)], MaxTest = 60)]
    public void Decode_GeneratedMessageTruncated_IsTruncated(ProtocolMessage message)
    {
        var bytes = Encode(message);
        var stride = Math.Max(1, bytes.Length / 500);
        for (var length = 0; length < bytes.Length; length += stride)
        {
            Assert.Equal(DecodeError.Truncated, _codec.Decode(bytes.AsMemory(0, length)).Error);
        }
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Decode_TrailingByte_IsRejected(string sample)
    {
        byte[] bytes = [.. Encode(Samples[sample]), 0x00];

        Assert.Equal(DecodeError.TrailingBytes, _codec.Decode(bytes).Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(127)]
    public void Decode_WrongVersion_IsUnsupportedVersion(byte version)
    {
        var bytes = Encode(new Ack(1, true));
        bytes[1] = version;

        Assert.Equal(DecodeError.UnsupportedVersion, _codec.Decode(bytes).Error);
    }

    [Fact]
    public void Decode_FutureVersionWithMoreEnvelopeFields_IsUnsupportedVersion()
    {
        var bytes = Build(Array(5), Int(WireCodec.FormatVersion + 1), Int(1), Array(0), Int(0), Int(0));

        Assert.Equal(DecodeError.UnsupportedVersion, _codec.Decode(bytes).Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(200)]
    [InlineData(-1)]
    public void Decode_UnknownKind_IsUnknownKind(long kind)
    {
        var bytes = Build(Array(3), Int(WireCodec.FormatVersion), Int(kind), Array(2), Int(1), Bool(true));

        Assert.Equal(DecodeError.UnknownKind, _codec.Decode(bytes).Error);
    }

    [Fact]
    public void Decode_BodyWithExtraField_IsWrongFieldCount()
    {
        var bytes = Envelope(WireCodec.FormatVersion, (int)MessageKind.Ack, Array(3), Int(1), Bool(true), Int(0));

        Assert.Equal(DecodeError.WrongFieldCount, _codec.Decode(bytes).Error);
    }

    [Fact]
    public void Decode_FieldOfWrongType_IsMalformed()
    {
        var bytes = Envelope(WireCodec.FormatVersion, (int)MessageKind.Ack, Array(2), Bool(true), Bool(true));

        Assert.Equal(DecodeError.Malformed, _codec.Decode(bytes).Error);
    }

    [Fact]
    public void Decode_RoundAboveLongRange_IsMalformed()
    {
        var bytes = Envelope(WireCodec.FormatVersion, (int)MessageKind.Ack, Array(2), UInt(ulong.MaxValue), Bool(true));

        Assert.Equal(DecodeError.Malformed, _codec.Decode(bytes).Error);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData((1L << 40) + 1)]
    [InlineData(long.MaxValue)]
    public void Decode_AbsurdRound_IsInvalidRound(long round)
    {
        Assert.Equal(DecodeError.InvalidRound, _codec.Decode(Encode(new Ack(round, true))).Error);
        Assert.Equal(DecodeError.InvalidRound, _codec.Decode(Encode(new Ping(0, round, 1))).Error);
        var record = new PeerRecord(SomePeer(1), round, 1, MembershipStatus.Join);
        Assert.Equal(DecodeError.InvalidRound, _codec.Decode(Encode(new Advert(record))).Error);
    }

    [Fact]
    public void Decode_OutOfRangeFields_AreInvalidValue()
    {
        var model = new ModelVector("m", [1f]);
        var peer = SomePeer(1);
        ProtocolMessage[] bad =
        [
            new TrainedModel(1, model, -1, ViewUpdate.Empty(0)),
            new TrainedModel(1, new ModelVector("m", [1f], -5), 1, ViewUpdate.Empty(0)),
            new Advert(new PeerRecord(peer, 1, 1, (MembershipStatus)3)),
            new Advert(new PeerRecord(peer, 1, 1, 0)),
            new Advert(new PeerRecord(peer, 1, -1, MembershipStatus.Join)),
            new Advert(new PeerRecord(peer, 1, (1L << 32) + 1, MembershipStatus.Join)),
            new Ping(0, 0, -1),
        ];

        foreach (var message in bad)
        {
            Assert.True(_codec.Decode(Encode(message)).Error == DecodeError.InvalidValue, message.ToString());
        }
    }

    [Theory]
    [InlineData(0, float.NaN)]
    [InlineData(5, float.PositiveInfinity)]
    [InlineData(16, float.NegativeInfinity)]
    [InlineData(33, float.NaN)]
    [InlineData(34, float.PositiveInfinity)]
    public void Decode_NonFiniteParameter_IsNonFiniteWeight(int index, float value)
    {
        // Index 33 of 35 lies in the scalar tail of the SIMD scan, 0..31 in its vector body.
        var parameters = Enumerable.Range(0, 35).Select(i => (float)i).ToArray();
        parameters[index] = value;
        var message = new AggregatedModel(1, new ModelVector("m", parameters), ViewUpdate.Empty(0));

        var result = _codec.Decode(Encode(message));

        Assert.Equal(DecodeError.NonFiniteWeight, result.Error);
        Assert.Contains($"parameter {index} ", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Fp32BodyNotLengthFloats_IsWrongLength()
    {
        var bytes = Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, [Array(3), Int(1), .. Model("m"u8.ToArray(), 2, 1, 0, 7, Bin(new byte[7])), Array(3), UInt(0), Bool(false), Array(0)]);

        Assert.Equal(DecodeError.WrongLength, _codec.Decode(bytes).Error);
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xfe })]
    [InlineData(new byte[] { 0xc0, 0x80 })]
    [InlineData(new byte[0])]
    public void Decode_BadLayoutId_IsInvalidLayoutId(byte[] layoutId)
    {
        var bytes = Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, [Array(3), Int(1), .. Model(layoutId, 0, 1, 0, 0, Bin([])), Array(3), UInt(0), Bool(false), Array(0)]);

        Assert.Equal(DecodeError.InvalidLayoutId, _codec.Decode(bytes).Error);
    }

    [Fact]
    public void Decode_LayoutIdAboveLimit_IsInvalidLayoutId()
    {
        var message = new AggregatedModel(1, new ModelVector(new string('a', 129), [1f]), ViewUpdate.Empty(0));

        Assert.Equal(DecodeError.InvalidLayoutId, _codec.Decode(Encode(message)).Error);
    }

    [Theory]
    [InlineData(37, 0x00)]
    [InlineData(39, 0x00)]
    [InlineData(38, 0x01)]
    public void Decode_BadPeerId_IsInvalidPeerId(int length, byte firstByte)
    {
        var id = new byte[length];
        SomePeer(5).Span[..Math.Min(length, 38)].CopyTo(id);
        id[0] = firstByte;
        var bytes = Envelope(WireCodec.FormatVersion, (int)MessageKind.Advert, Array(1), Array(4), Bin(id), Int(1), Int(1), Int(1));

        Assert.Equal(DecodeError.InvalidPeerId, _codec.Decode(bytes).Error);
    }

    [Fact]
    public void Decode_DuplicatePeerInView_IsDuplicatePeer()
    {
        var peer = SomePeer(9);
        var view = new ViewUpdate([new(SomePeer(1), 1, 1, MembershipStatus.Join), new(peer, 1, 1, MembershipStatus.Join), new(peer, 2, 1, MembershipStatus.Leave)], 0, false);

        Assert.Equal(DecodeError.DuplicatePeer, _codec.Decode(Encode(new ViewSnapshot(view))).Error);
    }

    [Fact]
    public void Decode_CountsAboveLimits_AreLimitExceeded()
    {
        var codec = new WireCodec(new WireLimits { MaxModelParameters = 10, MaxViewRecords = 2 });

        var bigModel = new AggregatedModel(1, new ModelVector("m", new float[11]), ViewUpdate.Empty(0));
        Assert.Equal(DecodeError.LimitExceeded, codec.Decode(Encode(bigModel)).Error);
        Assert.True(codec.Decode(Encode(bigModel with { Model = EncodedModel.Whole(new ModelVector("m", new float[10])) })).Ok);

        Assert.Equal(DecodeError.LimitExceeded, codec.Decode(Encode(new ViewSnapshot(View(3)))).Error);
        Assert.True(codec.Decode(Encode(new ViewSnapshot(View(2)))).Ok);
    }

    [Fact]
    public void Decode_MessageAboveByteLimit_IsTooLarge()
    {
        var codec = new WireCodec(new WireLimits { MaxMessageBytes = 100 });
        var message = new AggregatedModel(1, new ModelVector("m", new float[30]), ViewUpdate.Empty(0));

        Assert.Equal(DecodeError.TooLarge, codec.Decode(Encode(message)).Error);
    }

    [Fact]
    public void Decode_LyingLengthFields_AllocateNothingBig()
    {
        var codec = new WireCodec(new WireLimits { MaxModelParameters = int.MaxValue / 4, MaxViewRecords = int.MaxValue });
        byte[][] liars =
        [
            // parameters: 2^29 - 1 claimed, and a bin32 claiming their 2 GiB - 4 bytes, then nothing
            Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, [Array(3), Int(1), .. Model("m"u8.ToArray(), int.MaxValue / 4, 1, 0, int.MaxValue / 4 * 4, Raw(0xc6, 0x7f, 0xff, 0xff, 0xfc))]),
            // records: array32 claiming 2^31 - 1 records, then one
            Envelope(WireCodec.FormatVersion, (int)MessageKind.ViewSnapshot, Array(1), Array(3), UInt(0), Bool(true), Raw(0xdd, 0x7f, 0xff, 0xff, 0xff), Array(4), Bin(SomePeer(1).Span.ToArray()), Int(1), Int(1), Int(1)),
            // records: 100 000 claimed and 100 000 bytes present, too few for that many records
            Envelope(WireCodec.FormatVersion, (int)MessageKind.ViewSnapshot, Array(1), Array(3), UInt(0), Bool(true), Array(100_000), Raw(new byte[100_000])),
            // layout id: str32 claiming 2 GiB
            Envelope(WireCodec.FormatVersion, (int)MessageKind.AggregatedModel, Array(3), Int(1), Array(8), Raw(0xdb, 0x7f, 0xff, 0xff, 0xff)),
        ];

        foreach (var bytes in liars)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = codec.Decode(bytes);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(DecodeError.Truncated, result.Error);
            Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
        }
    }

    [Property(MaxTest = 2000)]
    public void Decode_RandomBytes_NeverThrows(byte[] bytes)
    {
        var result = _codec.Decode(bytes);

        Assert.True(result.Ok || result.Error != DecodeError.None);
    }

    [Property(Arbitrary = [typeof(WireGenerators)], MaxTest = 300)]
    public void Decode_CorruptedMessage_NeverThrowsAndAcceptsOnlyEncodable(ProtocolMessage message, int seed)
    {
        var bytes = Encode(message);
        var random = new Random(seed);
        for (var flips = 1 + random.Next(3); flips > 0; flips--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        var result = _codec.Decode(bytes);

        if (result.Ok)
        {
            // Whatever slips through (e.g. a changed nonce) is a valid message of its own.
            Assert.True(_codec.Decode(Encode(result.Message)).Ok);
        }
        else
        {
            Assert.NotEqual(DecodeError.None, result.Error);
            Assert.NotEmpty(result.Detail);
        }
    }

    [Fact]
    public void Limits_OutOfRange_AreRejectedAtConstruction()
    {
        Assert.Empty(WireLimits.Default.Validate());
        var bad = new WireLimits { MaxLayoutIdBytes = 5000, MaxModelParameters = int.MaxValue, MaxRound = -1, MaxMessageBytes = 0 };

        Assert.Equal(4, bad.Validate().Count);
        var error = Assert.Throws<ArgumentException>(() => new WireCodec(bad));
        Assert.Contains(nameof(WireLimits.MaxLayoutIdBytes), error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new WireCodec(new WireLimits { MaxLayoutIdBytes = 0 }));
    }

    private static ViewUpdate View(int records) =>
        new(Enumerable.Range(0, records).Select(i => new PeerRecord(SomePeer(100 + i), i, 1 + i, MembershipStatus.Join)).ToArray(), (ulong)records * 31, records > 10);
}
