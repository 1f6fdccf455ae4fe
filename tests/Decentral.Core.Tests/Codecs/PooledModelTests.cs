using Decentral.Codecs;
using Decentral.Core.Tests.Protocol;
using Decentral.Core.Tests.TestKit;
using Decentral.Core.Tests.Wire;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Wire;

namespace Decentral.Core.Tests.Codecs;

/// <summary>Decoded models live in pooled buffers with one owner; the protocol node gives every one back.</summary>
public sealed class PooledModelTests
{
    private static readonly ModelCodecOptions Int8 = new() { Quantizer = ModelCodecOptions.Int8, Lossless = ModelCodecOptions.Zstd };
    private readonly WireCodec _codec = new();

    [Fact]
    public void Decode_Model_IsPooledUntilReleasedThenUnreadable()
    {
        var sent = new ModelEncoder(Int8).EncodeWhole(ModestNodeDeltaTests.Vector(1000, i => i % 7));
        var received = Decode<AggregatedModel>(new AggregatedModel(3, sent, ViewUpdate.Empty(0))).Model;
        var copy = received.ToHeap();

        Assert.True(received.IsPooled);
        Assert.Equal(sent.DecodeWhole().Parameters, received.DecodeWhole().Parameters);
        received.Release();
        received.Release();

        Assert.True(received.IsReleased);
        Assert.Throws<ObjectDisposedException>(() => received.DecodeInto(new float[1000]));
        Assert.False(copy.IsPooled);
        Assert.Equal(sent.DecodeWhole().Parameters, copy.DecodeWhole().Parameters);
    }

    [Fact]
    public void HeapModel_Release_DoesNothing()
    {
        var model = EncodedModel.Whole(NodeFixture.Model(2));

        model.Release();

        Assert.False(model.IsReleased);
        Assert.Equal(2f, model.DecodeWhole().Parameters[0]);
    }

    [Fact]
    public void Aggregator_DecodedWholeModelsAndDeltas_ReleasesEveryOneAfterAggregating()
    {
        var (f, k) = ModestNodeDeltaTests.Aggregator(Int8);
        var contributors = ModestNodeAggregatorTests.Contributors(f, k, 3);
        var baseModel = ModestNodeDeltaTests.Vector(8, i => i);
        var key = new ModelBase(k - 1, ModelHash.Of(baseModel.Parameters));
        var delta = new ModelEncoder(Int8).EncodeDelta(ModestNodeDeltaTests.Vector(8, i => i + 1), baseModel.Parameters, key);
        var received = new List<EncodedModel>();
        void Deliver(int c, EncodedModel model)
        {
            var message = Decode<TrainedModel>(new TrainedModel(k, model, 10, f.NoNews()));
            received.Add(message.Model);
            f.Node.Receive(contributors[c], message);
        }

        Deliver(0, EncodedModel.Whole(ModestNodeDeltaTests.Vector(8, i => 2 * i)));
        Deliver(1, delta);
        Deliver(2, delta);
        var reply = Decode<BaseReply>(new BaseReply(key.Round, key.Hash, EncodedModel.Whole(baseModel)));
        f.Node.Receive(f.Effects.SentOf<BaseRequest>()[0].To, reply);
        f.AnswerPings();

        Assert.Single(f.Effects.ObservedOf(ObservationKind.Aggregated));
        Assert.All(received, m => Assert.True(m.IsReleased));
        Assert.True(reply.Model!.Value.IsReleased);
    }

    [Fact]
    public void Node_IgnoredModels_AreReleasedAtOnce()
    {
        var (f, k) = ModestNodeAggregatorTests.AggregatedRound();
        var late = Decode<TrainedModel>(new TrainedModel(k, NodeFixture.Model(1), 10, f.NoNews()));
        f.Node.Receive(f.Other(k, 25), late);
        var (other, k2) = ModestNodeAggregatorTests.IdleAggregator();
        var duplicate = Decode<TrainedModel>(new TrainedModel(k2, NodeFixture.Model(1), 10, other.NoNews()));
        var sender = ModestNodeAggregatorTests.Contributors(other, k2, 1)[0];
        other.DeliverTrained(sender, k2);
        other.Node.Receive(sender, duplicate);
        var stopped = new NodeFixture();
        var unread = Decode<AggregatedModel>(new AggregatedModel(4, NodeFixture.Model(1), ViewUpdate.Empty(0)));
        stopped.Node.Receive(stopped.Peers[1], unread);

        Assert.True(late.Model.IsReleased);
        Assert.True(duplicate.Model.IsReleased);
        Assert.True(unread.Model.IsReleased);
    }

    [Fact]
    public void Trainer_KeepsTheAggregateItTrainsFromForBaseRequests_ReleasesItAtTheNextRound()
    {
        var f = new NodeFixture(options: ModestNodeDeltaTests.Options(Int8), chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        f.Node.Start(NodeFixture.Model(0, 8));
        var k = f.FindRound(order => Array.IndexOf(order, f.Self) < 5, from: 4);
        var first = Decode<AggregatedModel>(new AggregatedModel(k, new ModelEncoder(Int8).EncodeWhole(ModestNodeDeltaTests.Vector(8, i => i)), f.NoNews()));
        f.Node.Receive(f.Other(k, 0), first);
        var start = f.Effects.TrainingStarts[^1].Start;

        f.Node.Receive(f.Other(k, 3), new BaseRequest(k, ModelHash.Of(start.Parameters)));
        var reply = Assert.Single(f.Effects.SentOf<BaseReply>()).Message.Model!.Value;
        Assert.False(first.Model.IsReleased);
        Assert.False(reply.IsPooled);
        Assert.Null(MessageComparer.Model(first.Model, reply));

        var next = f.FindRound(order => Array.IndexOf(order, f.Self) < 5, from: k + 1);
        f.Node.Receive(f.Other(next, 0), Decode<AggregatedModel>(new AggregatedModel(next, NodeFixture.Model(3, 8), f.NoNews())));
        Assert.True(first.Model.IsReleased);
    }

    [Fact]
    public void Baseline_PooledModel_CopiedAndReleasedOnReceive()
    {
        var peers = Baselines.BaselineFixture.Peers(4);
        var node = new Decentral.Baselines.DpsgdNode(peers[0], peers, new Decentral.Baselines.DpsgdOptions(), Baselines.BaselineFixture.View(peers), new RecordingEffects(), new Random(1));
        node.Start(NodeFixture.Model(0, 2));
        var message = Decode<TrainedModel>(new TrainedModel(1, NodeFixture.Model(1, 2), 10, ViewUpdate.Empty(0)));

        node.Receive(peers[1], message);

        Assert.True(message.Model.IsReleased);
    }

    private T Decode<T>(ProtocolMessage message)
        where T : ProtocolMessage
    {
        var result = _codec.Decode(WireCodecRoundTripTests.Encode(message));
        Assert.True(result.Ok, result.ToString());
        return Assert.IsType<T>(result.Message);
    }
}
