using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Wire;
using FsCheck;
using FsCheck.Fluent;

namespace Decentral.Core.Tests.Wire;

/// <summary>
/// FsCheck generators for every protocol message, with values spread over all MessagePack
/// integer widths, string/bin/array header sizes, and every finite float bit pattern, but always
/// within the default <see cref="WireLimits"/> (so a generated message must decode).
/// </summary>
public static class WireGenerators
{
    private static readonly WireLimits Limits = WireLimits.Default;

    /// <summary>Any long: a random 64-bit pattern shifted right arithmetically by 0..63 bits,
    /// so small and large magnitudes of both signs are equally likely.</summary>
    public static Gen<long> AnyLong { get; } =
        Gen.Choose(int.MinValue, int.MaxValue).Two().Zip(Gen.Choose(0, 63), (halves, shift) =>
            (((long)halves.Item1 << 32) | (uint)halves.Item2) >> shift);

    /// <summary>A value in [0, max], spread over magnitudes.</summary>
    public static Gen<long> Bounded(long max) => AnyLong.Select(v => (v & long.MaxValue) % (max + 1));

    /// <summary>Any 64-bit digest.</summary>
    public static Gen<ulong> AnyULong { get; } = AnyLong.Two().Select(p => ((ulong)p.Item1 << 1) ^ (ulong)p.Item2);

    /// <summary>A valid peer id from 32 random key bytes.</summary>
    public static Gen<PeerId> Peer { get; } =
        Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(PeerId.KeyLength).Select(key => PeerId.FromPublicKey(key));

    /// <summary>Any finite float, by bit pattern (subnormals, -0 and extremes included).</summary>
    public static Gen<float> FiniteFloat { get; } =
        Gen.Choose(int.MinValue, int.MaxValue).Select(bits =>
        {
            var value = BitConverter.Int32BitsToSingle(bits);
            return float.IsFinite(value) ? value : BitConverter.Int32BitsToSingle(bits & ~0x00800000);
        });

    /// <summary>Layout ids of 1 to 128 UTF-8 bytes: fixstr and str8 headers, multi-byte characters.</summary>
    public static Gen<string> LayoutId { get; } = Gen.Elements(
        "lenet5", "x", "mf-20-ratings", "modèle-ü-€", new string('a', 31), new string('b', 32), new string('c', 128), "レイアウト");

    /// <summary>Models of 0 to ~300 parameters (bin8 and bin16 headers), occasionally 17 000 (bin32).</summary>
    public static Gen<ModelVector> Model { get; } =
        from layout in LayoutId
        from length in Gen.Frequency((20, Gen.Choose(0, 300)), (1, Gen.Constant(17_000)))
        from parameters in FiniteFloat.ArrayOf(length)
        from samplesTrained in Bounded(long.MaxValue)
        select new ModelVector(layout, parameters, samplesTrained);

    /// <summary>Moderate values, as trained models and their deltas have (no overflow when subtracted).</summary>
    public static Gen<float> ModerateFloat { get; } =
        Gen.Choose(-1_000_000, 1_000_000).Zip(Gen.Choose(-6, 2), (m, e) => (float)(m * Math.Pow(10, e - 6)));

    /// <summary>Every codec setting: the three quantizers, dense or top-k, with or without a lossless stage, odd block sizes.</summary>
    public static Gen<ModelCodecOptions> CodecOptions { get; } =
        from quantizer in Gen.Elements(ModelCodecOptions.Fp32, ModelCodecOptions.Fp16, ModelCodecOptions.Int8)
        from topK in Gen.Elements(0.0, 0.0, 0.01, 0.3, 1.0)
        from lossless in Gen.Elements(ModelCodecOptions.NoLossless, ModelCodecOptions.Lz4, ModelCodecOptions.Zstd)
        from blockSize in Gen.Elements(1, 7, 256, 65_536)
        select new ModelCodecOptions { Quantizer = quantizer, TopK = topK, Lossless = lossless, BlockSize = blockSize };

    /// <summary>A base name for deltas.</summary>
    public static Gen<ModelBase> Base { get; } =
        from round in Bounded(Limits.MaxRound)
        from high in AnyULong
        from low in AnyULong
        select new ModelBase(round, new ModelHash(high, low));

    /// <summary>
    /// Models as they travel: whole models (any finite values) through any quantizer and lossless
    /// stage, and deltas of moderate models through any codec, top-k included.
    /// </summary>
    public static Gen<EncodedModel> Encoded { get; } = Gen.OneOf(
        Model.Select(EncodedModel.Whole),
        from options in CodecOptions
        from model in Model
        select new ModelEncoder(options).EncodeWhole(model),
        from options in CodecOptions
        from layout in LayoutId
        from length in Gen.Frequency((20, Gen.Choose(0, 300)), (1, Gen.Constant(17_000)))
        from trained in ModerateFloat.ArrayOf(length)
        from start in ModerateFloat.ArrayOf(length)
        from modelBase in Base
        select new ModelEncoder(options).EncodeDelta(new ModelVector(layout, trained, length), start, modelBase));

    /// <summary>A record within the default limits.</summary>
    public static Gen<PeerRecord> Record { get; } =
        from peer in Peer
        from lastActive in Bounded(Limits.MaxRound)
        from index in Bounded(Limits.MaxMembershipIndex)
        from status in Gen.Elements(MembershipStatus.Join, MembershipStatus.Leave)
        select new PeerRecord(peer, lastActive, index, status);

    /// <summary>A view update of 0 to ~40 records with distinct peers (fixarray and array16 headers).</summary>
    public static Gen<ViewUpdate> View { get; } =
        from records in Gen.Sized(size => Record.ListOf(Math.Min(size, 40)))
        from digest in AnyULong
        from isFull in Gen.Elements(true, false)
        select new ViewUpdate(records.DistinctBy(r => r.Peer).ToArray(), digest, isFull);

    // The fields a ping and a pong share.
    private static Gen<(long Nonce, long Round, long Index)> ProbeFields =>
        from nonce in AnyLong
        from round in Bounded(Limits.MaxRound)
        from index in Bounded(Limits.MaxMembershipIndex)
        select (nonce, round, index);

    /// <summary>Every message kind, with equal probability.</summary>
    public static Gen<ProtocolMessage> Message { get; } = Gen.OneOf(
        from probe in ProbeFields
        select (ProtocolMessage)new Ping(probe.Nonce, probe.Round, probe.Index),
        from probe in ProbeFields
        from trained in Bounded(Limits.MaxRound)
        from sentElsewhere in Bounded(Limits.MaxRound)
        select (ProtocolMessage)new Pong(probe.Nonce, probe.Round, probe.Index, trained, sentElsewhere),
        from round in Bounded(Limits.MaxRound)
        from model in Encoded
        from samples in Bounded(Limits.MaxSampleCount)
        from view in View
        select (ProtocolMessage)new TrainedModel(round, model, (int)samples, view),
        from round in Bounded(Limits.MaxRound)
        from model in Encoded
        from view in View
        select (ProtocolMessage)new AggregatedModel(round, model, view),
        from modelBase in Base
        select (ProtocolMessage)new BaseRequest(modelBase.Round, modelBase.Hash),
        from modelBase in Base
        from model in Gen.OneOf(Gen.Constant<EncodedModel?>(null), Encoded.Select(m => (EncodedModel?)m))
        select (ProtocolMessage)new BaseReply(modelBase.Round, modelBase.Hash, model),
        from round in Bounded(Limits.MaxRound)
        from success in Gen.Elements(true, false)
        select (ProtocolMessage)new Ack(round, success),
        Record.Select(r => (ProtocolMessage)new Advert(r)),
        AnyULong.Select(d => (ProtocolMessage)new ViewRequest(d)),
        View.Select(v => (ProtocolMessage)new ViewSnapshot(v)));

    /// <summary>Arbitrary for <see cref="ProtocolMessage"/> parameters of properties.</summary>
    public static Arbitrary<ProtocolMessage> Messages() => Message.ToArbitrary();
}
