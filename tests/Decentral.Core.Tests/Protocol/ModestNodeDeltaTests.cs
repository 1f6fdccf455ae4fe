using System.Runtime.InteropServices;
using Decentral.Aggregation;
using Decentral.Codecs;
using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

/// <summary>Trained deltas: named bases, added only to the right base, fetched when missing, refused when unavailable.</summary>
public sealed class ModestNodeDeltaTests
{
    private static readonly ModelCodecOptions Int8 = new() { Quantizer = ModelCodecOptions.Int8, BlockSize = 4 };

    [Fact]
    public void TrainingCompleted_LossyCodec_SendsDeltaNamingTheAggregateTrainedFrom()
    {
        var f = new NodeFixture(options: Options(Int8), chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0, 8));
        var k = f.FindRound(next => Array.IndexOf(next, f.Self) >= 3, from: 3) - 1;
        var aggregate = new ModelEncoder(Int8).EncodeWhole(Vector(8, i => 0.1f * i));
        f.Node.Receive(f.Other(k, 0), new AggregatedModel(k, aggregate, f.NoNews()));
        var start = Assert.Single(f.Effects.TrainingStarts).Start;

        var trained = Vector(8, i => start.Parameters[i] + 0.01f * (i - 4));
        f.Node.TrainingCompleted(k, trained, 10);
        f.AnswerPings();

        var sent = Assert.Single(f.Effects.SentOf<TrainedModel>()).Message.Model;
        Assert.True(sent.IsDelta);
        Assert.Equal(new ModelBase(k, ModelHash.Of(start.Parameters)), sent.Base);
        var rebuilt = new float[8];
        sent.ApplyDelta(start.Parameters, rebuilt);
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(trained.Parameters[i], rebuilt[i], 0.0005f));
    }

    [Fact]
    public void TrainingCompleted_PlainFp32_SendsTheWholeModelUncopied()
    {
        var (f, k, _) = ModestNodeTrainerTests.TrainingNode();
        var trained = NodeFixture.Model(2);

        f.Node.TrainingCompleted(k, trained, 10);
        f.AnswerPings();

        var sent = Assert.Single(f.Effects.SentOf<TrainedModel>()).Message.Model;
        Assert.False(sent.IsDelta);
        Assert.Same(trained, sent.DecodeWhole());
    }

    [Fact]
    public void TrainedDeltas_BaseHeld_AddedToItWithoutAsking()
    {
        var (f, k) = Aggregator(Int8);
        var baseModel = Vector(8, i => i);
        var baseKey = HoldBase(f, k - 1, baseModel);
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);

        for (var c = 0; c < 3; c++)
        {
            f.Node.Receive(contributors[c], new TrainedModel(k, Delta(baseModel, baseKey, 1 + c), 10, f.NoNews()));
        }

        f.AnswerPings();
        Assert.Empty(f.Effects.SentOf<BaseRequest>());
        var aggregate = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated)).Model!;
        // base + mean of deltas of 1, 2 and 3 (each quantized: within half a scale of 3/127).
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(i + 2f, aggregate.Parameters[i], 0.05f));
    }

    [Fact]
    public void TrainedDeltas_BaseNotHeld_AsksTheFirstSenderAndAggregatesOnceItArrives()
    {
        var (f, k) = Aggregator(Int8);
        var baseModel = Vector(8, i => 10 - i);
        var baseKey = new ModelBase(k - 1, ModelHash.Of(baseModel.Parameters));
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);
        for (var c = 0; c < 3; c++)
        {
            f.Node.Receive(contributors[c], new TrainedModel(k, Delta(baseModel, baseKey, 2), 10, f.NoNews()));
        }

        var (asked, request) = Assert.Single(f.Effects.SentOf<BaseRequest>());
        Assert.Equal((contributors[0], new BaseRequest(k - 1, baseKey.Hash)), (asked, request));
        Assert.Empty(f.Effects.SentOf<Ping>());

        f.Node.Receive(contributors[0], new BaseReply(k - 1, baseKey.Hash, EncodedModel.Whole(baseModel)));
        f.AnswerPings();

        var aggregate = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated)).Model!;
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(12f - i, aggregate.Parameters[i], 0.05f));
        Assert.Single(f.Effects.ObservedOf(ObservationKind.BaseRequested));
        Assert.Empty(f.Effects.ObservedOf(ObservationKind.ModelRejected));
    }

    [Fact]
    public void BaseReply_WrongHashOrNone_AsksTheNextSender()
    {
        var (f, k) = Aggregator(Int8);
        var baseModel = Vector(8, i => i);
        var baseKey = new ModelBase(k - 1, ModelHash.Of(baseModel.Parameters));
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);
        for (var c = 0; c < 3; c++)
        {
            f.Node.Receive(contributors[c], new TrainedModel(k, Delta(baseModel, baseKey, 1), 10, f.NoNews()));
        }

        // A wrong model under the right name, then "not held", then the real one.
        f.Node.Receive(contributors[0], new BaseReply(k - 1, baseKey.Hash, EncodedModel.Whole(Vector(8, i => -i))));
        f.Node.Receive(contributors[1], new BaseReply(k - 1, baseKey.Hash, null));
        f.Node.Receive(contributors[2], new BaseReply(k - 1, baseKey.Hash, EncodedModel.Whole(baseModel)));
        f.AnswerPings();

        Assert.Equal(contributors, f.Effects.SentOf<BaseRequest>().Select(r => r.To));
        var rejected = Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected));
        Assert.Equal(RejectionReason.BaseHashMismatch, rejected.Reason);
        var aggregate = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated)).Model!;
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(i + 1f, aggregate.Parameters[i], 0.05f));
    }

    [Fact]
    public void TrainedDelta_BaseUnavailableAnywhere_IsLeftOutAndTheRestAveragedExactly()
    {
        // Two whole models and one delta whose base nobody has: the delta is refused (counted) and
        // never added to anything; the round aggregates the two at the timeout, bit for bit.
        var (f, k) = Aggregator(Int8);
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);
        var unknown = new ModelBase(k - 1, new ModelHash(7, 7));
        f.Node.Receive(contributors[0], new TrainedModel(k, Delta(Vector(8, _ => 0), unknown, 5), 10, f.NoNews()));
        f.Node.Receive(contributors[1], new TrainedModel(k, Vector(8, i => i), 10, f.NoNews()));
        f.Node.Receive(contributors[2], new TrainedModel(k, Vector(8, i => 3 * i), 30, f.NoNews()));

        f.Node.Receive(contributors[0], new BaseReply(unknown.Round, unknown.Hash, null));
        Assert.Equal(RejectionReason.BaseUnavailable, Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected)).Reason);
        f.Fire(TimerKind.AggregationTimeout);
        f.AnswerPings();

        var aggregate = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.Equal(2, aggregate.Count);
        var expected = new float[8];
        FedAvg.Average([new WeightedModel(Vector(8, i => i), 10), new WeightedModel(Vector(8, i => 3 * i), 30)], expected);
        var decoded = new ModelEncoder(Int8).EncodeWhole(new ModelVector("test", expected)).DecodeWhole();
        Assert.Equal(decoded.Parameters, aggregate.Model!.Parameters);
    }

    [Fact]
    public void TrainedDelta_OfAnotherLength_IsRefusedNotAdded()
    {
        var (f, k) = Aggregator(Int8);
        var baseModel = Vector(8, i => i);
        var baseKey = HoldBase(f, k - 1, baseModel);
        var wrongLength = new ModelEncoder(Int8).EncodeDelta(Vector(5, _ => 1), new float[5], baseKey);

        f.Node.Receive(ModestNodeAggregatorTests.Contributors(f, k, 1)[0], new TrainedModel(k, wrongLength, 10, f.NoNews()));

        Assert.Equal(RejectionReason.BaseMismatch, Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected)).Reason);
        Assert.Empty(f.Effects.SentOf<BaseRequest>());
    }

    [Fact]
    public void BaseReply_Unrequested_IsRefused()
    {
        var (f, k) = Aggregator(Int8);

        f.Node.Receive(f.Other(k, 3), new BaseReply(k, new ModelHash(1, 1), EncodedModel.Whole(Vector(8, i => i))));

        Assert.Equal(RejectionReason.UnrequestedBase, Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected)).Reason);
    }

    [Fact]
    public void BaseRequest_HeldBase_AnsweredWithTheAggregateAsReceived_OtherwiseWithNone()
    {
        var (f, k) = Aggregator(Int8);
        var aggregate = new ModelEncoder(Int8).EncodeWhole(Vector(8, i => i * 0.3f));
        var key = HoldBase(f, k - 1, aggregate);
        var asker = f.Other(k, 2);

        f.Node.Receive(asker, new BaseRequest(key.Round, key.Hash));
        f.Node.Receive(asker, new BaseRequest(key.Round, new ModelHash(9, 9)));

        var replies = f.Effects.SentOf<BaseReply>();
        Assert.Equal(2, replies.Count);
        Assert.Null(Wire.MessageComparer.Model(aggregate, replies[0].Message.Model!.Value));
        Assert.Null(replies[1].Message.Model);
    }

    [Fact]
    public void AggregatedModel_AsDelta_IsRefusedAndNotTrained()
    {
        var (f, k) = Aggregator(Int8);

        f.Node.Receive(f.Other(k, 0), new AggregatedModel(k, Delta(Vector(8, _ => 0), new ModelBase(k - 1, default), 1), f.NoNews()));

        Assert.Empty(f.Effects.TrainingStarts);
        Assert.Equal(RejectionReason.DeltaAggregate, Assert.Single(f.Effects.ObservedOf(ObservationKind.ModelRejected)).Reason);
    }

    [Fact]
    public void Aggregate_Fp32_SameBitsAsTheAccumulatorInSenderOrder()
    {
        var (f, k) = Aggregator(new ModelCodecOptions());
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);
        var random = new Random(5);
        var models = contributors.ToDictionary(c => c, _ => Vector(3000, _ => (float)(random.NextDouble() - 0.5)));
        for (var c = 0; c < 3; c++)
        {
            f.Node.Receive(contributors[c], new TrainedModel(k, models[contributors[c]], 10 * (c + 1), f.NoNews()));
        }

        f.AnswerPings();

        var accumulator = new FedAvgAccumulator("test", 3000);
        foreach (var c in contributors.Order())
        {
            accumulator.Add(models[c], 10 * (Array.IndexOf(contributors, c) + 1));
        }

        var expected = new float[3000];
        accumulator.Finish(expected);
        var actual = Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated)).Model!.Parameters;
        Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())));
    }

    internal static ModestOptions Options(ModelCodecOptions codec)
    {
        var options = NodeFixture.SmallOptions();
        options.Codec = codec;
        return options;
    }

    // A node outside the first s of order(k), to which trained models of round k come.
    internal static (NodeFixture F, long K) Aggregator(ModelCodecOptions codec)
    {
        var f = new NodeFixture(options: Options(codec), chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0, 8));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) >= 8, from: 4);
        f.Effects.ClearRecorded();
        return (f, k);
    }

    internal static ModelVector Vector(int length, Func<int, float> value) => new("test", [.. Enumerable.Range(0, length).Select(value)]);

    // The node trains round `round` from `model` (so holds it as a base); returns the base's name.
    private static ModelBase HoldBase(NodeFixture f, long round, ModelVector model) => HoldBase(f, round, EncodedModel.Whole(model));

    private static ModelBase HoldBase(NodeFixture f, long round, EncodedModel model)
    {
        f.Node.Receive(f.Other(round, 0), new AggregatedModel(round, model, f.NoNews()));
        var start = f.Effects.TrainingStarts[^1].Start;
        f.Effects.ClearRecorded();
        return new ModelBase(round, ModelHash.Of(start.Parameters));
    }

    private static EncodedModel Delta(ModelVector baseModel, ModelBase key, float by) =>
        new ModelEncoder(Int8).EncodeDelta(Vector(baseModel.Length, i => baseModel.Parameters[i] + by), baseModel.Parameters, key);
}
