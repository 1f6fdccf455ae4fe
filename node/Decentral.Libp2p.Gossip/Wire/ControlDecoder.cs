using Decentral.Libp2p.Protobuf;

namespace Decentral.Libp2p.Gossip.Wire;

/// <summary>Decodes ControlMessage and its entries; see <see cref="RpcDecoder"/> for the rules.</summary>
internal static class ControlDecoder
{
    /// <summary>Decodes one control field and appends it to <paramref name="control"/> (protobuf merge semantics).</summary>
    public static (RpcRejectReason, string) Decode(ReadOnlySpan<byte> body, ref DecodeState state, ref ControlMessage control)
    {
        var ihave = new List<ControlIHave>(control.IHave);
        var iwant = new List<ControlIWant>(control.IWant);
        var graft = new List<ControlGraft>(control.Graft);
        var prune = new List<ControlPrune>(control.Prune);
        var idontwant = new List<MessageId>(control.IDontWant);
        var reader = new ProtoReader(body);
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in ControlMessage");
            }

            if (field is < 1 or > 5)
            {
                if (!reader.TrySkip(type))
                {
                    return (RpcRejectReason.Malformed, $"bad ControlMessage field {field}");
                }

                continue;
            }

            if (type != WireType.LengthDelimited || !reader.TryReadBytes(out var inner))
            {
                return (RpcRejectReason.Malformed, $"bad ControlMessage field {field}");
            }

            var result = field switch
            {
                1 => DecodeIHave(inner, ref state, ihave),
                2 => DecodeIWant(inner, ref state, iwant),
                3 => DecodeGraft(inner, ref state, graft),
                4 => DecodePrune(inner, ref state, prune),
                _ => DecodeIds(inner, ref state, idontwant),
            };
            if (result.Item1 != RpcRejectReason.None)
            {
                return result;
            }
        }

        control = new ControlMessage(ihave, iwant, graft, prune, idontwant);
        return (RpcRejectReason.None, "");
    }

    private static (RpcRejectReason, string) DecodeIHave(ReadOnlySpan<byte> body, ref DecodeState state, List<ControlIHave> into)
    {
        var reader = new ProtoReader(body);
        string? topic = null;
        var ids = new List<MessageId>();
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in IHAVE");
            }

            if (field == 1 && type == WireType.LengthDelimited && reader.TryReadBytes(out var rawTopic))
            {
                var result = RpcDecoder.ReadTopic(rawTopic, topic, state.Limits, out topic);
                if (result.Item1 != RpcRejectReason.None)
                {
                    return result;
                }
            }
            else if (field == 2 && type == WireType.LengthDelimited && reader.TryReadBytes(out var id))
            {
                if (++state.MessageIds > state.Limits.MaxMessageIds)
                {
                    return (RpcRejectReason.TooManyEntries, "too many message ids");
                }

                ids.Add(new MessageId(id.ToArray()));
            }
            else if (field is 1 or 2 || !reader.TrySkip(type))
            {
                return (RpcRejectReason.Malformed, $"bad IHAVE field {field}");
            }
        }

        if (topic is null)
        {
            return (RpcRejectReason.BadTopic, "IHAVE without topic");
        }

        into.Add(new ControlIHave(topic, ids));
        return (RpcRejectReason.None, "");
    }

    private static (RpcRejectReason, string) DecodeIWant(ReadOnlySpan<byte> body, ref DecodeState state, List<ControlIWant> into)
    {
        var ids = new List<MessageId>();
        var result = DecodeIds(body, ref state, ids);
        if (result.Item1 == RpcRejectReason.None)
        {
            into.Add(new ControlIWant(ids));
        }

        return result;
    }

    /// <summary>Decodes an entry whose message ids are field 1 (IWANT, IDONTWANT), appending them to <paramref name="ids"/>.</summary>
    private static (RpcRejectReason, string) DecodeIds(ReadOnlySpan<byte> body, ref DecodeState state, List<MessageId> ids)
    {
        const int idField = 1;
        var reader = new ProtoReader(body);
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in IWANT/IDONTWANT");
            }

            if (field == idField && type == WireType.LengthDelimited && reader.TryReadBytes(out var id))
            {
                if (++state.MessageIds > state.Limits.MaxMessageIds)
                {
                    return (RpcRejectReason.TooManyEntries, "too many message ids");
                }

                ids.Add(new MessageId(id.ToArray()));
            }
            else if (field == idField || !reader.TrySkip(type))
            {
                return (RpcRejectReason.Malformed, $"bad IWANT/IDONTWANT field {field}");
            }
        }

        return (RpcRejectReason.None, "");
    }

    private static (RpcRejectReason, string) DecodeGraft(ReadOnlySpan<byte> body, ref DecodeState state, List<ControlGraft> into)
    {
        if (++state.GraftPrune > state.Limits.MaxGraftPrune)
        {
            return (RpcRejectReason.TooManyEntries, "too many GRAFT/PRUNE entries");
        }

        var reader = new ProtoReader(body);
        string? topic = null;
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in GRAFT");
            }

            if (field == 1 && type == WireType.LengthDelimited && reader.TryReadBytes(out var raw))
            {
                var result = RpcDecoder.ReadTopic(raw, topic, state.Limits, out topic);
                if (result.Item1 != RpcRejectReason.None)
                {
                    return result;
                }
            }
            else if (field == 1 || !reader.TrySkip(type))
            {
                return (RpcRejectReason.Malformed, $"bad GRAFT field {field}");
            }
        }

        if (topic is null)
        {
            return (RpcRejectReason.BadTopic, "GRAFT without topic");
        }

        into.Add(new ControlGraft(topic));
        return (RpcRejectReason.None, "");
    }

    private static (RpcRejectReason, string) DecodePrune(ReadOnlySpan<byte> body, ref DecodeState state, List<ControlPrune> into)
    {
        if (++state.GraftPrune > state.Limits.MaxGraftPrune)
        {
            return (RpcRejectReason.TooManyEntries, "too many GRAFT/PRUNE entries");
        }

        var reader = new ProtoReader(body);
        string? topic = null;
        ulong? backoff = null;
        var peers = new List<PeerExchangeInfo>();
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return (RpcRejectReason.Malformed, "bad field key in PRUNE");
            }

            if (field == 1 && type == WireType.LengthDelimited && reader.TryReadBytes(out var raw))
            {
                var result = RpcDecoder.ReadTopic(raw, topic, state.Limits, out topic);
                if (result.Item1 != RpcRejectReason.None)
                {
                    return result;
                }
            }
            else if (field == 2 && type == WireType.LengthDelimited && reader.TryReadBytes(out var peer))
            {
                if (++state.GraftPrune > state.Limits.MaxGraftPrune || !TryDecodePeerInfo(peer, out var info))
                {
                    return (RpcRejectReason.Malformed, "bad or too many PRUNE peers");
                }

                peers.Add(info);
            }
            else if (field == 3 && type == WireType.Varint && reader.TryReadVarint(out var seconds))
            {
                backoff = seconds;
            }
            else if (field is 1 or 2 or 3 || !reader.TrySkip(type))
            {
                return (RpcRejectReason.Malformed, $"bad PRUNE field {field}");
            }
        }

        if (topic is null)
        {
            return (RpcRejectReason.BadTopic, "PRUNE without topic");
        }

        into.Add(new ControlPrune(topic, peers, backoff));
        return (RpcRejectReason.None, "");
    }

    private static bool TryDecodePeerInfo(ReadOnlySpan<byte> body, out PeerExchangeInfo info)
    {
        info = new PeerExchangeInfo([], []);
        byte[] peerId = [], record = [];
        var reader = new ProtoReader(body);
        // TryReadTag is false both at the end and on a malformed key; Failed tells them apart.
        while (reader.TryReadTag(out var field, out var type) || reader.Failed)
        {
            if (reader.Failed)
            {
                return false;
            }

            if (field is 1 or 2 && type == WireType.LengthDelimited && reader.TryReadBytes(out var raw))
            {
                if (field == 1)
                {
                    peerId = raw.ToArray();
                }
                else
                {
                    record = raw.ToArray();
                }
            }
            else if (field is 1 or 2 || !reader.TrySkip(type))
            {
                return false;
            }
        }

        info = new PeerExchangeInfo(peerId, record);
        return true;
    }
}
