using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Wire;
using MessagePack;

namespace Decentral.Node.Runtime.State;

/// <summary>
/// What a node needs to come back after a restart (kill -9 included): its membership index, its
/// round estimate, its view, the latest model it held and, with the reference defence, the model
/// it judges aggregates against. The model and the view are stored as one protocol message of the
/// project's wire codec (an aggregated model, or a view snapshot before the node had a model), the
/// reference as another, so they are validated on load like any received message.
/// File layout (version 3): MessagePack [magic, version, peer id, session, saved (unix ms),
/// membership index, round estimate, model round, wire message (bin), founders (array of peer id
/// bin), reference (wire message bin, or nil)], then a little-endian CRC-32 of all the preceding
/// bytes. Version 2 (the same without the reference) still loads.
/// </summary>
/// <param name="Peer">The node the checkpoint belongs to.</param>
/// <param name="Session">Its learning session.</param>
/// <param name="SavedAt">When it was taken.</param>
/// <param name="MembershipIndex">The node's own membership index at that time.</param>
/// <param name="RoundEstimate">The node's round estimate.</param>
/// <param name="ModelRound">The round of <paramref name="Model"/> (0 when there is none).</param>
/// <param name="Model">The latest model the node held, if any.</param>
/// <param name="View">The node's view records.</param>
public sealed record Checkpoint(
    PeerId Peer,
    string Session,
    DateTimeOffset SavedAt,
    long MembershipIndex,
    long RoundEstimate,
    long ModelRound,
    ModelVector? Model,
    IReadOnlyList<PeerRecord> View)
{
    private const string Magic = "decentral-checkpoint";
    private const int Version = 3;
    private const int Fields = 11;
    private const int Version2Fields = 10;

    /// <summary>A baseline's founders in their fixed order (empty for MoDeST, whose membership is open).</summary>
    public IReadOnlyList<PeerId> Founders { get; init; } = [];

    /// <summary>
    /// The model the node's reference defence judges aggregates against (the last it trained or
    /// started from; <c>ModestNode.Reference</c>), or null without that defence. Kept apart from
    /// <see cref="Model"/>, which may be an aggregate that arrived and was refused.
    /// </summary>
    public ModelVector? Reference { get; init; }

    /// <summary>Encodes the checkpoint (with its checksum).</summary>
    public byte[] Encode(IWireCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var update = new ViewUpdate(View, 0, IsFull: true);
        ProtocolMessage message = Model is null ? new ViewSnapshot(update) : new AggregatedModel(Math.Max(1, ModelRound), Model, update);
        using var wire = new PooledBufferWriter();
        codec.Encode(message, wire);
        var output = new ArrayBufferWriter<byte>(wire.WrittenCount + 256);
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(Fields);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(Peer.Span);
        writer.Write(Session);
        writer.Write(SavedAt.ToUnixTimeMilliseconds());
        writer.Write(MembershipIndex);
        writer.Write(RoundEstimate);
        writer.Write(ModelRound);
        writer.Write(wire.WrittenSpan);
        writer.WriteArrayHeader(Founders.Count);
        foreach (var founder in Founders)
        {
            writer.Write(founder.Span);
        }

        if (Reference is null)
        {
            writer.WriteNil();
        }
        else
        {
            using var reference = new PooledBufferWriter();
            codec.Encode(new AggregatedModel(Math.Max(1, ModelRound), Reference, ViewUpdate.Empty(0)), reference);
            writer.Write(reference.WrittenSpan);
        }

        writer.Flush();
        var crc = Crc32.HashToUInt32(output.WrittenSpan);
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), crc);
        output.Advance(4);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a checkpoint; false with the reason when it is damaged or not a checkpoint.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> bytes, IWireCodec codec, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Checkpoint? checkpoint, out string reason)
    {
        ArgumentNullException.ThrowIfNull(codec);
        checkpoint = null;
        if (bytes.Length < 8)
        {
            reason = $"{bytes.Length} bytes is too short";
            return false;
        }

        var body = bytes[..^4];
        if (Crc32.HashToUInt32(body.Span) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.Span[^4..]))
        {
            reason = "the checksum does not match (a torn or damaged file)";
            return false;
        }

        try
        {
            var reader = new MessagePackReader(body);
            var fields = reader.ReadArrayHeader();
            if (fields < 2 || reader.ReadString() != Magic)
            {
                reason = "not a decentral checkpoint";
                return false;
            }

            var version = reader.ReadInt32();
            if (!((version == Version && fields == Fields) || (version == 2 && fields == Version2Fields)))
            {
                reason = $"checkpoint format version {version} is not one of the supported 2 and {Version}";
                return false;
            }

            var peerBytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("no peer id");
            if (!PeerId.TryFromBytes(peerBytes.ToArray(), out var peer))
            {
                reason = "the peer id is not valid";
                return false;
            }

            var session = reader.ReadString() ?? string.Empty;
            var saved = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
            var index = reader.ReadInt64();
            var round = reader.ReadInt64();
            var modelRound = reader.ReadInt64();
            var wire = reader.ReadBytes() ?? throw new MessagePackSerializationException("no state");
            var decoded = codec.Decode(wire);
            if (!decoded.Ok)
            {
                reason = $"the stored state does not decode: {decoded.Error} {decoded.Detail}";
                return false;
            }

            (ModelVector? model, ViewUpdate view) = decoded.Message switch
            {
                AggregatedModel { Model.IsDelta: false } a => (a.Model.DecodeWhole(), a.View),
                ViewSnapshot s => ((ModelVector?)null, s.View),
                _ => throw new MessagePackSerializationException($"unexpected stored message {decoded.Message!.Kind}"),
            };

            // The model was copied out of the decoder's pooled buffers.
            decoded.Message.Release();
            var founders = new List<PeerId>();
            for (var i = reader.ReadArrayHeader(); i > 0; i--)
            {
                var founder = reader.ReadBytes() ?? throw new MessagePackSerializationException("no founder id");
                founders.Add(PeerId.TryFromBytes(founder.ToArray(), out var id) ? id : throw new MessagePackSerializationException("a founder id is not valid"));
            }

            ModelVector? reference = null;
            if (version == Version && !reader.TryReadNil())
            {
                var stored = codec.Decode(reader.ReadBytes() ?? throw new MessagePackSerializationException("no reference"));
                if (stored.Message is not AggregatedModel { Model.IsDelta: false } kept)
                {
                    stored.Message?.Release();
                    reason = $"the stored reference does not decode: {stored.Error} {stored.Detail}";
                    return false;
                }

                reference = kept.Model.DecodeWhole();
                kept.Release();
            }

            checkpoint = new Checkpoint(peer, session, saved, index, round, modelRound, model, view.Records) { Founders = founders, Reference = reference };
            reason = string.Empty;
            return true;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            reason = $"malformed: {e.Message}";
            return false;
        }
    }
}
