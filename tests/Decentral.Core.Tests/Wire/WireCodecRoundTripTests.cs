using System.Buffers;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Wire;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Wire;

public sealed class WireCodecRoundTripTests
{
    private readonly WireCodec _codec = new();

    [Property(Arbitrary = [typeof(WireGenerators)], MaxTest = 300)]
    public void Decode_OfEncode_GivesEqualMessage(ProtocolMessage message)
    {
        var result = _codec.Decode(Encode(message));

        Assert.True(result.Ok, result.ToString());
        Assert.Null(MessageComparer.Difference(message, result.Message));
    }

    [Property(Arbitrary = [typeof(WireGenerators)], MaxTest = 300)]
    public void EncodedSize_AnyMessage_EqualsEncodedLength(ProtocolMessage message)
    {
        Assert.Equal(Encode(message).Length, _codec.EncodedSize(message));
    }

    [Fact]
    public void EncodedSize_LargeHeaders_EqualsEncodedLength()
    {
        // Shapes the property rarely or never reaches: array32 record counts, str16 layout ids,
        // and integer boundaries of every MessagePack width.
        var peers = Enumerable.Range(0, 70_000).Select(SomePeer).ToArray();
        var bigView = new ViewUpdate(peers.Select(p => new PeerRecord(p, 1, 1, MembershipStatus.Join)).ToArray(), ulong.MaxValue, true);
        var boundaries = new long[] { 0, 127, 128, 255, 256, 65535, 65536, uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue, -1, -32, -33, -128, -129, -32768, -32769, int.MinValue, (long)int.MinValue - 1, long.MinValue };
        var messages = new List<ProtocolMessage>
        {
            new ViewSnapshot(bigView),
            new AggregatedModel(3, new ModelVector(new string('L', 300), new float[70_000], 5), ViewUpdate.Empty(0)),
        };
        messages.AddRange(boundaries.Select(b => new Ping(b, Math.Abs(b % 1000), 1)));

        foreach (var message in messages)
        {
            Assert.Equal(Encode(message).Length, _codec.EncodedSize(message));
        }
    }

    [Fact]
    public void Encode_Ping_WritesVersionedEnvelope()
    {
        // Pins the format: fixarray(3), version 4, kind 1 (Ping), body fixarray(3) of compact ints.
        var bytes = Encode(new Ping(-1, 300, 7));

        Assert.Equal(new byte[] { 0x93, 0x04, 0x01, 0x93, 0xff, 0xcd, 0x01, 0x2c, 0x07 }, bytes);
    }

    [Fact]
    public void Encode_Pong_WritesItsTrainEstimateAndSentElsewhereLast()
    {
        // Version 4: kind 2 (Pong), body fixarray(5): nonce, round estimate, membership index, train
        // estimate, sent elsewhere.
        var bytes = Encode(new Pong(5, 300, 7, 299, 3));

        Assert.Equal(new byte[] { 0x93, 0x04, 0x02, 0x95, 0x05, 0xcd, 0x01, 0x2c, 0x07, 0xcd, 0x01, 0x2b, 0x03 }, bytes);
    }

    [Fact]
    public void Encode_Model_WritesLittleEndianFloat32Bin()
    {
        var message = new AggregatedModel(1, new ModelVector("m", [1.0f, -2.5f], 0), ViewUpdate.Empty(0));
        var bytes = Encode(message);

        // ... [layoutId "m", samplesTrained 0, length 2, base nil, codec 1 (float32), lossless 0,
        // bodyLength 8, bin8(8) 00 00 80 3f 00 00 20 c0], view
        var expectedModel = new byte[] { 0x98, 0xa1, (byte)'m', 0x00, 0x02, 0xc0, 0x01, 0x00, 0x08, 0xc4, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0 };
        Assert.True(bytes.AsSpan().IndexOf(expectedModel) == 5, Convert.ToHexString(bytes));
    }

    [Fact]
    public void Decode_SplitIntoSegments_GivesSameMessage()
    {
        var message = new TrainedModel(
            9,
            new ModelVector("lenet5", Enumerable.Range(0, 100).Select(i => i * 0.25f - 3f).ToArray(), 40),
            12,
            new ViewUpdate([new PeerRecord(SomePeer(1), 8, 2, MembershipStatus.Leave)], 77, false));
        var bytes = Encode(message);

        // Every split point, including ones inside the float payload and inside the peer id.
        for (var split = 1; split < bytes.Length; split++)
        {
            var result = _codec.Decode(TwoSegments(bytes, split));
            Assert.True(result.Ok, $"split {split}: {result}");
            Assert.Null(MessageComparer.Difference(message, result.Message));
        }
    }

    [Fact]
    public void Encode_IntoReusedPooledWriter_RoundTrips()
    {
        using var writer = new PooledBufferWriter(16);
        var small = new Ack(4, true);
        var large = new AggregatedModel(5, new ModelVector("big", Enumerable.Range(0, 50_000).Select(i => (float)i).ToArray()), ViewUpdate.Empty(1));

        foreach (var message in new ProtocolMessage[] { small, large, small })
        {
            writer.Clear();
            writer.EnsureCapacity(_codec.EncodedSize(message));
            _codec.Encode(message, writer);

            Assert.Equal(_codec.EncodedSize(message), writer.WrittenCount);
            var result = _codec.Decode(writer.WrittenMemory);
            Assert.True(result.Ok, result.ToString());
            Assert.Null(MessageComparer.Difference(message, result.Message));
        }
    }

    [Fact]
    public void Decode_SameLayoutTwice_ReusesLayoutIdString()
    {
        var message = new AggregatedModel(1, new ModelVector("shared-layout", [1f]), ViewUpdate.Empty(0));
        var bytes = Encode(message);

        var first = (AggregatedModel)_codec.Decode(bytes).Message!;
        var second = (AggregatedModel)_codec.Decode(bytes).Message!;

        Assert.Same(first.Model.LayoutId, second.Model.LayoutId);
    }

    [Fact]
    public void Decode_EmptyViewsOfOneDigest_ShareOneUpdate_OthersKeepTheirOwn()
    {
        // Digests 5 and 13 fall into one cache slot: each still decodes with its own digest.
        var digests = new ulong[] { 5, 5, 13, 5, ulong.MaxValue };
        var views = digests
            .Select(d => ((TrainedModel)_codec.Decode(Encode(new TrainedModel(2, new ModelVector("l", [1f]), 1, ViewUpdate.Empty(d)))).Message!).View)
            .ToArray();

        Assert.Equal(digests, views.Select(v => v.MembershipDigest));
        Assert.All(views, v => Assert.Empty(v.Records));
        Assert.All(views, v => Assert.False(v.IsFull));
        Assert.Same(views[0], views[1]);
    }

    [Fact]
    public void Decode_EmptyFullView_IsNotTakenFromTheCacheOfPartialOnes()
    {
        _codec.Decode(Encode(new ViewSnapshot(ViewUpdate.Empty(9))));
        var full = new ViewUpdate([], 9, IsFull: true);

        var decoded = ((ViewSnapshot)_codec.Decode(Encode(new ViewSnapshot(full))).Message!).View;

        Assert.True(decoded.IsFull);
        Assert.Equal(9ul, decoded.MembershipDigest);
    }

    internal static PeerId SomePeer(int seed)
    {
        var key = new byte[PeerId.KeyLength];
        BitConverter.TryWriteBytes(key, seed);
        key[31] = 0x5a;
        return PeerId.FromPublicKey(key);
    }

    internal static byte[] Encode(ProtocolMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        new WireCodec().Encode(message, output);
        return output.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split), 0);
        var last = new Segment(bytes.AsMemory(split), split);
        first.SetNext(last);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
