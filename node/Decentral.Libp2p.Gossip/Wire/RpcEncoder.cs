using System.Buffers;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Gossip.Wire;

/// <summary>Encodes RPCs to the pubsub protobuf, sizes first so nested bodies are written once.</summary>
public static class RpcEncoder
{
    /// <summary>Encoded size of <paramref name="rpc"/> without a length prefix.</summary>
    public static int SizeOf(Rpc rpc)
    {
        var size = 0;
        foreach (var sub in rpc.Subscriptions)
        {
            size += SizedProtoWriter.FieldSize(1, SubscriptionSize(sub));
        }

        foreach (var message in rpc.Messages)
        {
            size += SizedProtoWriter.FieldSize(2, MessageSize(message, withSignature: true));
        }

        if (!rpc.Control.IsEmpty)
        {
            size += SizedProtoWriter.FieldSize(3, ControlSize(rpc.Control));
        }

        return size;
    }

    /// <summary>Writes <paramref name="rpc"/> preceded by its uvarint length (the stream framing).</summary>
    public static void WriteLengthPrefixed(Rpc rpc, IBufferWriter<byte> output)
    {
        var size = SizeOf(rpc);
        var span = output.GetSpan(Varint.MaxLength);
        output.Advance(Varint.Write((ulong)size, span));
        Write(rpc, output);
    }

    /// <summary>Writes <paramref name="rpc"/> without a length prefix.</summary>
    public static void Write(Rpc rpc, IBufferWriter<byte> output)
    {
        var writer = new SizedProtoWriter(output);
        foreach (var sub in rpc.Subscriptions)
        {
            writer.WriteLengthPrefix(1, SubscriptionSize(sub));
            writer.WriteVarintField(1, sub.Subscribe ? 1UL : 0UL);
            writer.WriteStringField(2, sub.Topic);
        }

        foreach (var message in rpc.Messages)
        {
            writer.WriteLengthPrefix(2, MessageSize(message, withSignature: true));
            WriteMessage(writer, message, withSignature: true);
        }

        if (!rpc.Control.IsEmpty)
        {
            writer.WriteLengthPrefix(3, ControlSize(rpc.Control));
            WriteControl(writer, rpc.Control);
        }
    }

    /// <summary>
    /// The bytes a StrictSign signature covers: the Message protobuf with only from, data,
    /// seqno and topic, in field order (signature and key left out).
    /// </summary>
    public static byte[] SigningBody(PubSubMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(MessageSize(message, withSignature: false));
        WriteMessage(new SizedProtoWriter(buffer), message, withSignature: false);
        return buffer.WrittenSpan.ToArray();
    }

    private static int SubscriptionSize(SubscriptionChange sub) =>
        SizedProtoWriter.VarintFieldSize(1, sub.Subscribe ? 1UL : 0UL) + SizedProtoWriter.StringFieldSize(2, sub.Topic);

    private static int MessageSize(PubSubMessage m, bool withSignature)
    {
        var size = OptionalBytesSize(1, m.From) + SizedProtoWriter.FieldSize(2, m.Data.Length) + OptionalBytesSize(3, m.Seqno)
            + SizedProtoWriter.StringFieldSize(4, m.Topic);
        return withSignature ? size + OptionalBytesSize(5, m.Signature) + OptionalBytesSize(6, m.Key) : size;
    }

    private static void WriteMessage(SizedProtoWriter writer, PubSubMessage m, bool withSignature)
    {
        WriteOptionalBytes(writer, 1, m.From);
        // data is always present (js sets it even when empty) so signatures over empty payloads match.
        writer.WriteBytesField(2, m.Data);
        WriteOptionalBytes(writer, 3, m.Seqno);
        writer.WriteStringField(4, m.Topic);
        if (withSignature)
        {
            WriteOptionalBytes(writer, 5, m.Signature);
            WriteOptionalBytes(writer, 6, m.Key);
        }
    }

    private static int ControlSize(ControlMessage c)
    {
        var size = 0;
        foreach (var ihave in c.IHave)
        {
            size += SizedProtoWriter.FieldSize(1, IHaveSize(ihave));
        }

        foreach (var iwant in c.IWant)
        {
            size += SizedProtoWriter.FieldSize(2, IdsSize(iwant.MessageIds));
        }

        foreach (var graft in c.Graft)
        {
            size += SizedProtoWriter.FieldSize(3, SizedProtoWriter.StringFieldSize(1, graft.Topic));
        }

        foreach (var prune in c.Prune)
        {
            size += SizedProtoWriter.FieldSize(4, PruneSize(prune));
        }

        if (c.IDontWant.Count > 0)
        {
            size += SizedProtoWriter.FieldSize(5, IdsSize(c.IDontWant));
        }

        return size;
    }

    private static void WriteControl(SizedProtoWriter writer, ControlMessage c)
    {
        foreach (var ihave in c.IHave)
        {
            writer.WriteLengthPrefix(1, IHaveSize(ihave));
            writer.WriteStringField(1, ihave.Topic);
            WriteIds(writer, 2, ihave.MessageIds);
        }

        foreach (var iwant in c.IWant)
        {
            writer.WriteLengthPrefix(2, IdsSize(iwant.MessageIds));
            WriteIds(writer, 1, iwant.MessageIds);
        }

        foreach (var graft in c.Graft)
        {
            writer.WriteLengthPrefix(3, SizedProtoWriter.StringFieldSize(1, graft.Topic));
            writer.WriteStringField(1, graft.Topic);
        }

        foreach (var prune in c.Prune)
        {
            writer.WriteLengthPrefix(4, PruneSize(prune));
            writer.WriteStringField(1, prune.Topic);
            foreach (var peer in prune.Peers)
            {
                writer.WriteLengthPrefix(2, PeerInfoSize(peer));
                WriteOptionalBytes(writer, 1, peer.PeerId);
                WriteOptionalBytes(writer, 2, peer.SignedPeerRecord);
            }

            if (prune.BackoffSeconds is { } backoff)
            {
                writer.WriteVarintField(3, backoff);
            }
        }

        if (c.IDontWant.Count > 0)
        {
            writer.WriteLengthPrefix(5, IdsSize(c.IDontWant));
            WriteIds(writer, 1, c.IDontWant);
        }
    }

    private static int IHaveSize(ControlIHave ihave) => SizedProtoWriter.StringFieldSize(1, ihave.Topic) + IdsSize(ihave.MessageIds);

    private static int IdsSize(IReadOnlyList<MessageId> ids)
    {
        var size = 0;
        foreach (var id in ids)
        {
            size += SizedProtoWriter.FieldSize(1, id.Bytes.Length);
        }

        return size;
    }

    private static void WriteIds(SizedProtoWriter writer, int field, IReadOnlyList<MessageId> ids)
    {
        foreach (var id in ids)
        {
            writer.WriteBytesField(field, id.Bytes.Span);
        }
    }

    private static int PruneSize(ControlPrune prune)
    {
        var size = SizedProtoWriter.StringFieldSize(1, prune.Topic);
        foreach (var peer in prune.Peers)
        {
            size += SizedProtoWriter.FieldSize(2, PeerInfoSize(peer));
        }

        return prune.BackoffSeconds is { } backoff ? size + SizedProtoWriter.VarintFieldSize(3, backoff) : size;
    }

    private static int PeerInfoSize(PeerExchangeInfo peer) => OptionalBytesSize(1, peer.PeerId) + OptionalBytesSize(2, peer.SignedPeerRecord);

    // proto2 optional bytes: an empty array means "absent", so it is not written at all.
    private static int OptionalBytesSize(int field, byte[] value) => value.Length == 0 ? 0 : SizedProtoWriter.FieldSize(field, value.Length);

    private static void WriteOptionalBytes(SizedProtoWriter writer, int field, byte[] value)
    {
        if (value.Length > 0)
        {
            writer.WriteBytesField(field, value);
        }
    }
}
