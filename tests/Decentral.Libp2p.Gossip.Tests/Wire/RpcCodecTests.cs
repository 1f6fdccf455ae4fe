using System.Buffers;
using Decentral.Libp2p.Gossip.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Libp2p.Gossip.Tests.Wire;

public sealed class RpcCodecTests
{
    private static readonly RpcLimits Limits = new();

    private static byte[] Encode(Rpc rpc)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RpcEncoder.Write(rpc, buffer);
        Assert.Equal(RpcEncoder.SizeOf(rpc), buffer.WrittenCount);
        return buffer.WrittenSpan.ToArray();
    }

    private static Rpc FullRpc() => new(
        [new SubscriptionChange(true, "a"), new SubscriptionChange(false, "topic-β")],
        [new PubSubMessage([1, 2, 3], [9, 9], [0, 0, 0, 0, 0, 0, 0, 7], "a", new byte[64], [8, 1])],
        new ControlMessage(
            [new ControlIHave("a", [new MessageId([1, 2]), new MessageId([3])])],
            [new ControlIWant([new MessageId([4, 5, 6])])],
            [new ControlGraft("a")],
            [new ControlPrune("b", [new PeerExchangeInfo([7], [8, 8])], 60)],
            [new MessageId([10])]));

    [Fact]
    public void Decode_EncodedRpc_RoundTripsEveryField()
    {
        var rpc = FullRpc();
        var decoded = RpcDecoder.Decode(Encode(rpc), Limits);

        Assert.True(decoded.Ok, decoded.Detail);
        var back = decoded.Rpc!;
        Assert.Equal(rpc.Subscriptions, back.Subscriptions);
        var m = Assert.Single(back.Messages);
        Assert.Equal(rpc.Messages[0].Seqno, m.Seqno);
        Assert.Equal(rpc.Messages[0].Data, m.Data);
        Assert.Equal(rpc.Messages[0].Signature, m.Signature);
        Assert.Equal("a", m.Topic);
        Assert.Equal(rpc.Control.IHave[0].MessageIds, back.Control.IHave[0].MessageIds);
        Assert.Equal(rpc.Control.IWant[0].MessageIds, back.Control.IWant[0].MessageIds);
        Assert.Equal("a", Assert.Single(back.Control.Graft).Topic);
        var prune = Assert.Single(back.Control.Prune);
        Assert.Equal((ulong?)60, prune.BackoffSeconds);
        Assert.Equal([8, 8], Assert.Single(prune.Peers).SignedPeerRecord);
        Assert.Equal(rpc.Control.IDontWant, back.Control.IDontWant);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(9)]
    public void Decode_SeqnoNotEightBytes_RejectsRpcWithSeqnoReason(int length)
    {
        var rpc = new Rpc([], [new PubSubMessage([1], [2], new byte[length], "t", [], [])], ControlMessage.Empty);

        var decoded = RpcDecoder.Decode(Encode(rpc), Limits);

        Assert.False(decoded.Ok);
        Assert.Equal(RpcRejectReason.SeqnoLength, decoded.Reason);
    }

    [Fact]
    public void Decode_EmptySeqnoFieldPresent_RejectsWithSeqnoReason()
    {
        // RPC { publish: Message { seqno = (0 bytes), topic = "t" } }
        byte[] body = [0x12, 0x05, 0x1A, 0x00, 0x22, 0x01, (byte)'t'];

        Assert.Equal(RpcRejectReason.SeqnoLength, RpcDecoder.Decode(body, Limits).Reason);
    }

    [Fact]
    public void Decode_TopicNotUtf8_RejectsWithBadTopic()
    {
        // SubOpts { topicid = ff fe }
        byte[] body = [0x0A, 0x04, 0x12, 0x02, 0xFF, 0xFE];

        var decoded = RpcDecoder.Decode(body, Limits);

        Assert.Equal(RpcRejectReason.BadTopic, decoded.Reason);
    }

    [Fact]
    public void Decode_TruncatedField_RejectsAsMalformed()
    {
        var bytes = Encode(FullRpc());

        var decoded = RpcDecoder.Decode(bytes.AsSpan(0, bytes.Length - 3), Limits);

        Assert.False(decoded.Ok);
        Assert.Equal(RpcRejectReason.Malformed, decoded.Reason);
    }

    [Fact]
    public void Decode_TooManyIds_RejectsWithTooManyEntries()
    {
        var ids = Enumerable.Range(0, 20).Select(i => new MessageId([(byte)i])).ToList();
        var rpc = new Rpc([], [], ControlMessage.Empty with { IWant = [new ControlIWant(ids)] });

        var decoded = RpcDecoder.Decode(Encode(rpc), Limits with { MaxMessageIds = 10 });

        Assert.Equal(RpcRejectReason.TooManyEntries, decoded.Reason);
    }

    [Fact]
    public void Decode_UnknownFields_AreSkipped()
    {
        // field 9 varint 5, then a subscription; field 9 is unknown to pubsub and must be ignored.
        byte[] body = [0x48, 0x05, 0x0A, 0x05, 0x08, 0x01, 0x12, 0x01, (byte)'x'];

        var decoded = RpcDecoder.Decode(body, Limits);

        Assert.True(decoded.Ok, decoded.Detail);
        Assert.Equal(new SubscriptionChange(true, "x"), Assert.Single(decoded.Rpc!.Subscriptions));
    }

    [Property(MaxTest = 500)]
    public void Decode_ArbitraryBytes_NeverThrows(byte[] garbage)
    {
        var decoded = RpcDecoder.Decode(garbage, Limits);

        Assert.True(decoded.Ok || decoded.Reason != RpcRejectReason.None);
    }

    [Property(MaxTest = 200)]
    public Property Decode_MutatedValidRpc_NeverThrows(int position, byte value)
    {
        var bytes = Encode(FullRpc());
        bytes[Math.Abs(position % bytes.Length)] = value;
        var decoded = RpcDecoder.Decode(bytes, Limits);
        return (decoded.Ok || decoded.Reason != RpcRejectReason.None).ToProperty();
    }
}
