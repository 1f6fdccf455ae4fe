using System.Text;
using Decentral.Libp2p.Protobuf;
using System.Text.Unicode;

namespace Decentral.Libp2p.Gossip.Wire;

/// <summary>Why an RPC was rejected. Every reason is an expected outcome of remote input.</summary>
public enum RpcRejectReason
{
    /// <summary>Not rejected.</summary>
    None,

    /// <summary>Truncated field, bad varint, wrong wire type or unsupported field key.</summary>
    Malformed,

    /// <summary>A message seqno that is not exactly 8 bytes.</summary>
    SeqnoLength,

    /// <summary>A topic that is missing, empty, too long, repeated or not UTF-8.</summary>
    BadTopic,

    /// <summary>More entries than the configured limits allow.</summary>
    TooManyEntries,

    /// <summary>A length prefix above the largest RPC accepted; the stream is dropped.</summary>
    Oversized,
}

/// <summary>Outcome of decoding one RPC: the RPC, or a reject reason with detail for logs.</summary>
public readonly record struct RpcDecodeResult(Rpc? Rpc, RpcRejectReason Reason, string Detail)
{
    /// <summary>True when an RPC was decoded.</summary>
    public bool Ok => Rpc is not null;

    internal static RpcDecodeResult Reject(RpcRejectReason reason, string detail) => new(null, reason, detail);
}

/// <summary>Bounds on what one RPC may carry, so a peer cannot make us allocate without limit.</summary>
public sealed record RpcLimits
{
    /// <summary>Most subscription changes per RPC.</summary>
    public int MaxSubscriptions { get; init; } = 1024;

    /// <summary>Most published messages per RPC.</summary>
    public int MaxMessages { get; init; } = 1024;

    /// <summary>Most message ids over all IHAVE, IWANT and IDONTWANT entries of one RPC.</summary>
    public int MaxMessageIds { get; init; } = 10_000;

    /// <summary>Most GRAFT+PRUNE entries per RPC.</summary>
    public int MaxGraftPrune { get; init; } = 1024;

    /// <summary>Longest topic in UTF-8 bytes.</summary>
    public int MaxTopicBytes { get; init; } = 1024;
}

/// <summary>
/// Decodes the pubsub RPC protobuf (libp2p pubsub spec, rpc.proto). Unknown fields are skipped
/// for forward compatibility; anything structurally wrong rejects the whole RPC with a reason.
/// </summary>
public static class RpcDecoder
{
    /// <summary>Length of a message seqno.</summary>
    public const int SeqnoLength = 8;

    /// <summary>Decodes one RPC body (without its length prefix).</summary>
    public static RpcDecodeResult Decode(ReadOnlySpan<byte> body, RpcLimits limits)
    {
        var state = new DecodeState(limits);
        var reader = new ProtoReader(body);
        var subscriptions = new List<SubscriptionChange>();
        var messages = new List<PubSubMessage>();
        ControlMessage control = ControlMessage.Empty;
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return RpcDecodeResult.Reject(RpcRejectReason.Malformed, "bad field key in RPC");
            }

            RpcRejectReason reason;
            string detail;
            if (field is 1 or 2 or 3 && type == WireType.LengthDelimited)
            {
                if (!reader.TryReadBytes(out var inner))
                {
                    return RpcDecodeResult.Reject(RpcRejectReason.Malformed, $"truncated RPC field {field}");
                }

                (reason, detail) = field switch
                {
                    1 => DecodeSubscription(inner, ref state, subscriptions),
                    2 => DecodeMessage(inner, ref state, messages),
                    _ => ControlDecoder.Decode(inner, ref state, ref control),
                };
            }
            else
            {
                (reason, detail) = reader.TrySkip(type) ? (RpcRejectReason.None, "") : (RpcRejectReason.Malformed, $"bad RPC field {field}");
            }

            if (reason != RpcRejectReason.None)
            {
                return RpcDecodeResult.Reject(reason, detail);
            }
        }

        return new RpcDecodeResult(new Rpc(subscriptions, messages, control), RpcRejectReason.None, "");
    }

    private static (RpcRejectReason, string) DecodeSubscription(ReadOnlySpan<byte> body, ref DecodeState state, List<SubscriptionChange> into)
    {
        if (into.Count >= state.Limits.MaxSubscriptions)
        {
            return (RpcRejectReason.TooManyEntries, "too many subscriptions");
        }

        var reader = new ProtoReader(body);
        var subscribe = false;
        string? topic = null;
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in SubOpts");
            }

            if (field == 1 && type == WireType.Varint && reader.TryReadVarint(out var flag))
            {
                subscribe = flag != 0;
            }
            else if (field == 2 && type == WireType.LengthDelimited && reader.TryReadBytes(out var raw))
            {
                var result = ReadTopic(raw, topic, state.Limits, out topic);
                if (result.Item1 != RpcRejectReason.None)
                {
                    return result;
                }
            }
            else if (field is 1 or 2 || !reader.TrySkip(type))
            {
                return (RpcRejectReason.Malformed, $"bad SubOpts field {field}");
            }
        }

        if (topic is null)
        {
            return (RpcRejectReason.BadTopic, "SubOpts without topic");
        }

        into.Add(new SubscriptionChange(subscribe, topic));
        return (RpcRejectReason.None, "");
    }

    private static (RpcRejectReason, string) DecodeMessage(ReadOnlySpan<byte> body, ref DecodeState state, List<PubSubMessage> into)
    {
        if (into.Count >= state.Limits.MaxMessages)
        {
            return (RpcRejectReason.TooManyEntries, "too many messages");
        }

        var reader = new ProtoReader(body);
        byte[] from = [], data = [], seqno = [], signature = [], key = [];
        var hasSeqno = false;
        string? topic = null;
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in Message");
            }

            if (field is >= 1 and <= 6 && type != WireType.LengthDelimited)
            {
                return (RpcRejectReason.Malformed, $"Message field {field} has wire type {type}");
            }

            if (field is < 1 or > 6)
            {
                if (!reader.TrySkip(type))
                {
                    return (RpcRejectReason.Malformed, $"bad Message field {field}");
                }

                continue;
            }

            if (!reader.TryReadBytes(out var raw))
            {
                return (RpcRejectReason.Malformed, $"truncated Message field {field}");
            }

            switch (field)
            {
                case 1: from = raw.ToArray(); break;
                case 2: data = raw.ToArray(); break;
                case 3: seqno = raw.ToArray(); hasSeqno = true; break;
                case 4:
                    var result = ReadTopic(raw, topic, state.Limits, out topic);
                    if (result.Item1 != RpcRejectReason.None)
                    {
                        return result;
                    }

                    break;
                case 5: signature = raw.ToArray(); break;
                default: key = raw.ToArray(); break;
            }
        }

        if (hasSeqno && seqno.Length != SeqnoLength)
        {
            return (RpcRejectReason.SeqnoLength, $"seqno has {seqno.Length} bytes, must be {SeqnoLength}");
        }

        if (topic is null)
        {
            return (RpcRejectReason.BadTopic, "Message without topic");
        }

        into.Add(new PubSubMessage(from, data, seqno, topic, signature, key));
        return (RpcRejectReason.None, "");
    }

    /// <summary>Reads a topic field; a second topic in the same entry is rejected (one topic per message).</summary>
    internal static (RpcRejectReason, string) ReadTopic(ReadOnlySpan<byte> raw, string? existing, RpcLimits limits, out string? topic)
    {
        topic = existing;
        if (existing is not null)
        {
            return (RpcRejectReason.BadTopic, "repeated topic");
        }

        if (raw.Length == 0 || raw.Length > limits.MaxTopicBytes || !Utf8.IsValid(raw))
        {
            return (RpcRejectReason.BadTopic, $"topic of {raw.Length} bytes is empty, too long or not UTF-8");
        }

        topic = Encoding.UTF8.GetString(raw);
        return (RpcRejectReason.None, "");
    }
}

/// <summary>Counters shared by the nested decoders of one RPC.</summary>
internal struct DecodeState(RpcLimits limits)
{
    public readonly RpcLimits Limits = limits;
    public int MessageIds;
    public int GraftPrune;
}
