using System.Buffers;
using Decentral.Libp2p.Gossip.Wire;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Fuzz.Targets;

/// <summary>GossipSub RPC protobufs: the whole RPC, and its control part on its own.</summary>
internal static class GossipTargets
{
    private static readonly RpcLimits Limits = new();

    public static FuzzTarget Rpc { get; } = new("gossip-rpc", "gossipsub RPC protobuf (subscriptions, messages, control)", RunRpc, RpcSeeds);

    public static FuzzTarget Control { get; } = new("gossip-control", "gossipsub control protobuf (ihave, iwant, graft, prune, idontwant)", RunControl, ControlSeeds);

    private static void RunRpc(byte[] input) => DecodeAndRoundTrip(input);

    /// <summary>The input is the body of an RPC's control field (3), so every mutation lands in the control decoder.</summary>
    private static void RunControl(byte[] input) => DecodeAndRoundTrip([0x1a, .. Varint.Encode((ulong)input.Length), .. input]);

    /// <summary>A decoded RPC must encode to bytes that decode again to the same encoding.</summary>
    private static void DecodeAndRoundTrip(byte[] input)
    {
        var decoded = RpcDecoder.Decode(input, Limits);
        if (decoded.Rpc is not { } rpc)
        {
            return;
        }

        var once = Encode(rpc);
        var again = RpcDecoder.Decode(once, Limits);
        if (again.Rpc is null)
        {
            throw new FuzzOracleException($"a decoded RPC re-encodes to bytes the decoder rejects: {again.Reason} {again.Detail}");
        }

        if (!Encode(again.Rpc).AsSpan().SequenceEqual(once))
        {
            throw new FuzzOracleException("re-encoding a decoded RPC is not stable");
        }
    }

    private static byte[] Encode(Rpc rpc)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RpcEncoder.Write(rpc, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static ControlMessage SampleControl() => new(
        [new ControlIHave("t", [new MessageId([1, 2, 3])])],
        [new ControlIWant([new MessageId([4, 5])])],
        [new ControlGraft("t")],
        [new ControlPrune("u", [new PeerExchangeInfo([9, 9], [8])], 60)],
        [new MessageId([7])]);

    private static IEnumerable<byte[]> RpcSeeds()
    {
        var message = new PubSubMessage([0, 36, 8, 1, 18, 32, .. new byte[32]], [1, 2, 3], [0, 0, 0, 0, 0, 0, 0, 1], "decentral", new byte[64], [8, 1, 18, 32, .. new byte[32]]);
        yield return Encode(new Rpc([new SubscriptionChange(true, "decentral"), new SubscriptionChange(false, "x")], [message], SampleControl()));
        yield return Encode(new Rpc([], [message], ControlMessage.Empty));
        yield return Encode(new Rpc([new SubscriptionChange(true, "a")], [], ControlMessage.Empty));
    }

    private static IEnumerable<byte[]> ControlSeeds()
    {
        var rpc = Encode(new Rpc([], [], SampleControl()));
        Varint.TryRead(rpc.AsSpan(1), out _, out var prefix);
        yield return rpc[(1 + prefix)..];
    }
}
