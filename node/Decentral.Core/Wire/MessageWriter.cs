using System.Text;
using Decentral.Codecs;
using Decentral.Membership;
using Decentral.Protocol;
using MessagePack;

namespace Decentral.Wire;

/// <summary>
/// Writes messages in the <see cref="WireSchema"/> layout and computes their exact encoded size
/// without touching the model floats. Both live here, side by side, so a change to one is seen
/// next to the other; a property test checks they agree.
/// </summary>
internal static class MessageWriter
{
    // Strict: a layout id that is not valid UTF-16 is a caller bug, not something to paper over
    // with replacement characters that would change the id on the other side.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Write(ref MessagePackWriter writer, ProtocolMessage message)
    {
        writer.WriteArrayHeader(WireSchema.EnvelopeFields);
        writer.Write(WireSchema.FormatVersion);
        writer.Write((byte)message.Kind);
        switch (message)
        {
            case Ping ping:
                WriteProbe(ref writer, WireSchema.PingFields, ping.Nonce, ping.RoundEstimate, ping.MembershipIndex);
                break;
            case Pong pong:
                WriteProbe(ref writer, WireSchema.PongFields, pong.Nonce, pong.RoundEstimate, pong.MembershipIndex);
                writer.Write(pong.TrainEstimate);
                writer.Write(pong.SentElsewhere);
                break;
            case TrainedModel trained:
                writer.WriteArrayHeader(WireSchema.TrainedModelFields);
                writer.Write(trained.Round);
                WriteModel(ref writer, trained.Model);
                writer.Write(trained.SampleCount);
                WriteView(ref writer, trained.View);
                break;
            case AggregatedModel aggregated:
                writer.WriteArrayHeader(WireSchema.AggregatedModelFields);
                writer.Write(aggregated.Round);
                WriteModel(ref writer, aggregated.Model);
                WriteView(ref writer, aggregated.View);
                break;
            case Ack ack:
                writer.WriteArrayHeader(WireSchema.AckFields);
                writer.Write(ack.Round);
                writer.Write(ack.Success);
                break;
            case Advert advert:
                writer.WriteArrayHeader(WireSchema.AdvertFields);
                WriteRecord(ref writer, advert.Record);
                break;
            case ViewRequest request:
                writer.WriteArrayHeader(WireSchema.ViewRequestFields);
                writer.Write(request.MembershipDigest);
                break;
            case ViewSnapshot snapshot:
                writer.WriteArrayHeader(WireSchema.ViewSnapshotFields);
                WriteView(ref writer, snapshot.View);
                break;
            case BaseRequest request:
                writer.WriteArrayHeader(WireSchema.BaseRequestFields);
                writer.Write(request.Round);
                WriteHash(ref writer, request.Hash);
                break;
            case BaseReply reply:
                writer.WriteArrayHeader(WireSchema.BaseReplyFields);
                writer.Write(reply.Round);
                WriteHash(ref writer, reply.Hash);
                if (reply.Model is { } model)
                {
                    WriteModel(ref writer, model);
                }
                else
                {
                    writer.WriteNil();
                }

                break;
            default:
                throw new ArgumentException($"No wire layout for {message.GetType().Name}.", nameof(message));
        }
    }

    public static long Size(ProtocolMessage message)
    {
        const long envelope = 1 + 1 + 1; // fixarray(3), version and kind as positive fixints
        const long bodyHeader = 1;       // every body is a fixarray
        var body = message switch
        {
            Ping ping => IntSize(ping.Nonce) + IntSize(ping.RoundEstimate) + IntSize(ping.MembershipIndex),
            Pong pong => IntSize(pong.Nonce) + IntSize(pong.RoundEstimate) + IntSize(pong.MembershipIndex) + IntSize(pong.TrainEstimate) + IntSize(pong.SentElsewhere),
            TrainedModel trained => IntSize(trained.Round) + ModelSize(trained.Model) + IntSize(trained.SampleCount) + ViewSize(trained.View),
            AggregatedModel aggregated => IntSize(aggregated.Round) + ModelSize(aggregated.Model) + ViewSize(aggregated.View),
            Ack ack => IntSize(ack.Round) + 1,
            Advert advert => RecordSize(advert.Record),
            ViewRequest request => MessagePackWriter.GetEncodedLength(request.MembershipDigest),
            ViewSnapshot snapshot => ViewSize(snapshot.View),
            BaseRequest request => IntSize(request.Round) + HashSize,
            BaseReply reply => IntSize(reply.Round) + HashSize + (reply.Model is { } model ? ModelSize(model) : 1),
            _ => throw new ArgumentException($"No wire layout for {message.GetType().Name}.", nameof(message)),
        };
        return envelope + bodyHeader + body;
    }

    // The fields a ping and a pong share (a pong then adds its train estimate).
    private static void WriteProbe(ref MessagePackWriter writer, int fields, long nonce, long roundEstimate, long membershipIndex)
    {
        writer.WriteArrayHeader(fields);
        writer.Write(nonce);
        writer.Write(roundEstimate);
        writer.Write(membershipIndex);
    }

    private static void WriteModel(ref MessagePackWriter writer, EncodedModel model)
    {
        writer.WriteArrayHeader(WireSchema.ModelFields);
        var idBytes = StrictUtf8.GetByteCount(model.LayoutId);
        writer.WriteStringHeader(idBytes);
        var span = writer.GetSpan(idBytes);
        writer.Advance(StrictUtf8.GetBytes(model.LayoutId, span));
        writer.Write(model.SamplesTrained);
        writer.Write(model.Length);
        if (model.Base is { } modelBase)
        {
            writer.WriteArrayHeader(WireSchema.BaseFields);
            writer.Write(modelBase.Round);
            WriteHash(ref writer, modelBase.Hash);
        }
        else
        {
            writer.WriteNil();
        }

        writer.Write((byte)model.Encoding);
        writer.Write((byte)model.Compression);
        writer.Write(model.BodyLength);
        writer.WriteBinHeader(model.WireBodyLength);
        if (model.Encoding == ModelEncoding.Float32 && model.Compression == LosslessCompression.None)
        {
            FloatPayload.WriteLittleEndian(ref writer, model.Floats);
        }
        else
        {
            writer.WriteRaw(model.WireBody);
        }
    }

    private static void WriteHash(ref MessagePackWriter writer, ModelHash hash)
    {
        writer.WriteBinHeader(ModelHash.Length);
        hash.WriteTo(writer.GetSpan(ModelHash.Length));
        writer.Advance(ModelHash.Length);
    }

    private static void WriteView(ref MessagePackWriter writer, ViewUpdate view)
    {
        writer.WriteArrayHeader(WireSchema.ViewFields);
        writer.Write(view.MembershipDigest);
        writer.Write(view.IsFull);
        var records = view.Records;
        writer.WriteArrayHeader(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            WriteRecord(ref writer, records[i]);
        }
    }

    private static void WriteRecord(ref MessagePackWriter writer, in PeerRecord record)
    {
        writer.WriteArrayHeader(WireSchema.RecordFields);
        writer.Write(record.Peer.Span);
        writer.Write(record.LastActiveRound);
        writer.Write(record.MembershipIndex);
        writer.Write((byte)record.Status);
    }

    private static long ModelSize(EncodedModel model)
    {
        var idBytes = StrictUtf8.GetByteCount(model.LayoutId);
        var baseSize = model.Base is { } modelBase ? 1 + IntSize(modelBase.Round) + HashSize : 1;
        const long codecAndLossless = 2; // positive fixints
        return 1 + StrHeaderSize(idBytes) + idBytes + IntSize(model.SamplesTrained) + IntSize(model.Length) + baseSize
            + codecAndLossless + IntSize(model.BodyLength) + BinHeaderSize(model.WireBodyLength) + model.WireBodyLength;
    }

    private static long ViewSize(ViewUpdate view)
    {
        var records = view.Records;
        long size = 1 + MessagePackWriter.GetEncodedLength(view.MembershipDigest) + 1 + ArrayHeaderSize(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            size += RecordSize(records[i]);
        }

        return size;
    }

    private static long RecordSize(in PeerRecord record) =>
        1 + BinHeaderSize(Identity.PeerId.EncodedLength) + Identity.PeerId.EncodedLength
        + IntSize(record.LastActiveRound) + IntSize(record.MembershipIndex) + IntSize((byte)record.Status);

    // bin8 header and the 16 hash bytes.
    private const int HashSize = 2 + ModelHash.Length;

    private static int IntSize(long value) => MessagePackWriter.GetEncodedLength(value);

    private static int ArrayHeaderSize(int count) => count <= 15 ? 1 : count <= ushort.MaxValue ? 3 : 5;

    private static int BinHeaderSize(int length) => length <= byte.MaxValue ? 2 : length <= ushort.MaxValue ? 3 : 5;

    private static int StrHeaderSize(int length) => length <= 31 ? 1 : length <= byte.MaxValue ? 2 : length <= ushort.MaxValue ? 3 : 5;
}
