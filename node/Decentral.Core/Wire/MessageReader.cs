using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Unicode;
using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Protocol;
using MessagePack;

namespace Decentral.Wire;

/// <summary>
/// Reads one message in the <see cref="WireSchema"/> layout and validates every field against
/// <see cref="WireLimits"/>. Each step returns false with <see cref="Error"/> and
/// <see cref="Detail"/> set instead of throwing, so rejecting garbage costs no exception; the
/// only exceptions left are those MessagePack raises inside a single primitive read (truncated
/// headers, invalid codes), which <see cref="WireCodec"/> turns into reasons at the boundary.
/// Nothing is allocated from a length field before that length is checked against a limit and
/// against the bytes actually present.
/// </summary>
internal ref partial struct MessageReader
{
    private readonly WireLimits _limits;
    private readonly DecodedValueCache _cache;
    private MessagePackReader _reader;

    // The model of the message being read, until the message is complete (MessageReader.Models.cs).
    private EncodedModel? _model;

    public MessageReader(in ReadOnlySequence<byte> input, WireLimits limits, DecodedValueCache cache)
    {
        _reader = new MessagePackReader(input);
        _limits = limits;
        _cache = cache;
        Detail = string.Empty;
    }

    public DecodeError Error { get; private set; }

    public string Detail { get; private set; }

    public bool TryRead([NotNullWhen(true)] out ProtocolMessage? message)
    {
        message = null;
        if (!Expect("envelope", MessagePackType.Array))
        {
            return false;
        }

        // The version is read before the field count is checked, so a newer envelope shape is
        // reported as an unsupported version rather than as a malformed message.
        var fields = _reader.ReadArrayHeader();
        if (fields < 2)
        {
            return Fail(DecodeError.WrongFieldCount, $"envelope: {fields} fields");
        }

        if (!ReadInt64("version", out var version))
        {
            return false;
        }

        if (version != WireSchema.FormatVersion)
        {
            return Fail(DecodeError.UnsupportedVersion, $"format version {version}, this codec reads {WireSchema.FormatVersion}");
        }

        if (fields != WireSchema.EnvelopeFields)
        {
            return Fail(DecodeError.WrongFieldCount, $"envelope: {fields} fields, expected {WireSchema.EnvelopeFields}");
        }

        if (!ReadInt64("kind", out var kind) || !ReadBody(kind, out message))
        {
            return false;
        }

        if (!_reader.End)
        {
            message = null;
            return Fail(DecodeError.TrailingBytes, $"{Remaining} bytes after the message");
        }

        return true;
    }

    private readonly long Remaining => _reader.Sequence.Length - _reader.Consumed;

    private bool ReadBody(long kind, [NotNullWhen(true)] out ProtocolMessage? message)
    {
        message = null;
        switch (kind)
        {
            case (long)MessageKind.Ping or (long)MessageKind.Pong:
                // A pong is a ping's fields plus what the responder trained and where it sent it.
                var isPing = kind == (long)MessageKind.Ping;
                if (!ReadFields(isPing ? "ping" : "pong", isPing ? WireSchema.PingFields : WireSchema.PongFields)
                    || !ReadInt64("nonce", out var nonce)
                    || !ReadRound("roundEstimate", out var estimate)
                    || !ReadMembershipIndex(out var index))
                {
                    return false;
                }

                if (isPing)
                {
                    message = new Ping(nonce, estimate, index);
                    return true;
                }

                if (!ReadRound("trainEstimate", out var trainEstimate) || !ReadRound("sentElsewhere", out var sentElsewhere))
                {
                    return false;
                }

                message = new Pong(nonce, estimate, index, trainEstimate, sentElsewhere);
                return true;
            case (long)MessageKind.TrainedModel:
                if (!ReadFields("trainedModel", WireSchema.TrainedModelFields)
                    || !ReadRound("round", out var trainedRound)
                    || !ReadModel(out var trainedModel)
                    || !ReadRange("sampleCount", 0, _limits.MaxSampleCount, DecodeError.InvalidValue, out var samples)
                    || !ReadView(out var trainedView))
                {
                    return false;
                }

                message = new TrainedModel(trainedRound, trainedModel, (int)samples, trainedView);
                return true;
            case (long)MessageKind.AggregatedModel:
                if (!ReadFields("aggregatedModel", WireSchema.AggregatedModelFields)
                    || !ReadRound("round", out var aggregatedRound)
                    || !ReadModel(out var aggregatedModel)
                    || !ReadView(out var aggregatedView))
                {
                    return false;
                }

                message = new AggregatedModel(aggregatedRound, aggregatedModel, aggregatedView);
                return true;
            case (long)MessageKind.Ack:
                if (!ReadFields("ack", WireSchema.AckFields) || !ReadRound("round", out var ackRound) || !ReadBoolean("success", out var success))
                {
                    return false;
                }

                message = new Ack(ackRound, success);
                return true;
            case (long)MessageKind.Advert:
                if (!ReadFields("advert", WireSchema.AdvertFields) || !ReadRecord(out var record))
                {
                    return false;
                }

                message = new Advert(record);
                return true;
            case (long)MessageKind.ViewRequest:
                if (!ReadFields("viewRequest", WireSchema.ViewRequestFields) || !ReadUInt64("membershipDigest", out var digest))
                {
                    return false;
                }

                message = new ViewRequest(digest);
                return true;
            case (long)MessageKind.ViewSnapshot:
                if (!ReadFields("viewSnapshot", WireSchema.ViewSnapshotFields) || !ReadView(out var snapshotView))
                {
                    return false;
                }

                message = new ViewSnapshot(snapshotView);
                return true;
            case (long)MessageKind.BaseRequest:
                if (!ReadFields("baseRequest", WireSchema.BaseRequestFields) || !ReadRound("round", out var requestRound) || !ReadHash(out var requestHash))
                {
                    return false;
                }

                message = new BaseRequest(requestRound, requestHash);
                return true;
            case (long)MessageKind.BaseReply:
                if (!ReadFields("baseReply", WireSchema.BaseReplyFields) || !ReadRound("round", out var replyRound) || !ReadHash(out var replyHash))
                {
                    return false;
                }

                EncodedModel? replyModel = null;
                if (!_reader.TryReadNil())
                {
                    if (!ReadModel(out var read))
                    {
                        return false;
                    }

                    replyModel = read;
                }

                message = new BaseReply(replyRound, replyHash, replyModel);
                return true;
            default:
                return Fail(DecodeError.UnknownKind, $"message kind {kind}");
        }
    }

    private bool ReadLayoutId([NotNullWhen(true)] out string? layoutId)
    {
        layoutId = null;
        if (!Expect("layoutId", MessagePackType.String))
        {
            return false;
        }

        var sequence = _reader.ReadStringSequence().GetValueOrDefault();
        if (sequence.Length == 0 || sequence.Length > _limits.MaxLayoutIdBytes)
        {
            return Fail(DecodeError.InvalidLayoutId, $"layoutId: {sequence.Length} bytes, allowed 1..{_limits.MaxLayoutIdBytes}");
        }

        Span<byte> buffer = stackalloc byte[WireLimits.LayoutIdBytesCeiling];
        var bytes = buffer[..(int)sequence.Length];
        sequence.CopyTo(bytes);
        if (!Utf8.IsValid(bytes))
        {
            return Fail(DecodeError.InvalidLayoutId, "layoutId: not valid UTF-8");
        }

        layoutId = _cache.LayoutId(bytes);
        return true;
    }

    private bool ReadView([NotNullWhen(true)] out ViewUpdate? view)
    {
        view = null;
        if (!ReadFields("view", WireSchema.ViewFields)
            || !ReadUInt64("membershipDigest", out var digest)
            || !ReadBoolean("isFull", out var isFull)
            || !Expect("records", MessagePackType.Array))
        {
            return false;
        }

        var count = _reader.ReadArrayHeader();
        if (count > _limits.MaxViewRecords)
        {
            return Fail(DecodeError.LimitExceeded, $"records: {count} exceeds the limit of {_limits.MaxViewRecords}");
        }

        if ((long)count * WireSchema.MinRecordBytes > Remaining)
        {
            return Fail(DecodeError.Truncated, $"records: {count} records cannot fit in the {Remaining} bytes left");
        }

        if (count == 0 && !isFull)
        {
            view = _cache.EmptyView(digest);
            return true;
        }

        PeerRecord[] records = count == 0 ? [] : new PeerRecord[count];
        for (var i = 0; i < records.Length; i++)
        {
            if (!ReadRecord(out records[i]))
            {
                return false;
            }
        }

        if (!AllPeersDistinct(records))
        {
            return false;
        }

        view = new ViewUpdate(records, digest, isFull);
        return true;
    }

    private bool ReadRecord(out PeerRecord record)
    {
        record = default;
        if (!ReadFields("record", WireSchema.RecordFields)
            || !ReadPeerId(out var peer)
            || !ReadRound("lastActiveRound", out var lastActive)
            || !ReadMembershipIndex(out var index)
            || !ReadRange("status", (long)MembershipStatus.Join, (long)MembershipStatus.Leave, DecodeError.InvalidValue, out var status))
        {
            return false;
        }

        record = new PeerRecord(peer, lastActive, index, (MembershipStatus)status);
        return true;
    }

    private bool ReadPeerId([NotNullWhen(true)] out PeerId? peer)
    {
        peer = null;
        Span<byte> buffer = stackalloc byte[PeerId.EncodedLength];
        return ReadFixedBin("peerId", buffer, DecodeError.InvalidPeerId)
            && (PeerId.TryFromBytes(buffer, out peer) || Fail(DecodeError.InvalidPeerId, "peerId: not an Ed25519 identity multihash"));
    }

    // A bin of exactly destination.Length bytes, copied into destination.
    private bool ReadFixedBin(string what, scoped Span<byte> destination, DecodeError wrongLength)
    {
        if (!Expect(what, MessagePackType.Binary))
        {
            return false;
        }

        var bytes = _reader.ReadBytes().GetValueOrDefault();
        if (bytes.Length != destination.Length)
        {
            return Fail(wrongLength, $"{what}: {bytes.Length} bytes, expected {destination.Length}");
        }

        bytes.CopyTo(destination);
        return true;
    }

    // Sorting (worst case n log n) rather than hashing: peer ids are chosen by the sender, so a
    // hash set could be fed colliding ids.
    private bool AllPeersDistinct(PeerRecord[] records)
    {
        if (records.Length < 2)
        {
            return true;
        }

        var ids = ArrayPool<PeerId>.Shared.Rent(records.Length);
        try
        {
            var span = ids.AsSpan(0, records.Length);
            for (var i = 0; i < records.Length; i++)
            {
                span[i] = records[i].Peer;
            }

            span.Sort();
            for (var i = 1; i < span.Length; i++)
            {
                if (span[i] == span[i - 1])
                {
                    return Fail(DecodeError.DuplicatePeer, $"records: {span[i]} appears more than once");
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<PeerId>.Shared.Return(ids, clearArray: true);
        }
    }
}
