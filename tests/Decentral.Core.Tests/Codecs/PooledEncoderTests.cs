using System.Buffers;
using Decentral.Codecs;
using Decentral.Core.Tests.Protocol;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Wire;

namespace Decentral.Core.Tests.Codecs;

/// <summary>
/// An encoder with pooled bodies writes the bytes a heap encoder writes, and its models are views
/// of rented buffers that go back to the pool with the last view released.
/// </summary>
public sealed class PooledEncoderTests
{
    public static TheoryData<string, string, double> Codecs() => new()
    {
        { ModelCodecOptions.Fp32, ModelCodecOptions.Zstd, 0 },
        { ModelCodecOptions.Fp16, ModelCodecOptions.NoLossless, 0 },
        { ModelCodecOptions.Int8, ModelCodecOptions.NoLossless, 0 },
        { ModelCodecOptions.Int8, ModelCodecOptions.Zstd, 0 },
        { ModelCodecOptions.Int8, ModelCodecOptions.Lz4, 0 },
        { ModelCodecOptions.Fp16, ModelCodecOptions.NoLossless, 0.1 },
        { ModelCodecOptions.Int8, ModelCodecOptions.Zstd, 0.1 },
        { ModelCodecOptions.Fp32, ModelCodecOptions.NoLossless, 0.05 },
    };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Pooled_RoundsOfDeltasAndWholeModels_SameWireBytesAsHeapAndEveryBodyComesBack(string quantizer, string lossless, double topK)
    {
        var options = new ModelCodecOptions { Quantizer = quantizer, Lossless = lossless, TopK = topK, BlockSize = 64 };
        var pool = new BodyPool();
        var heap = new ModelEncoder(options);
        var pooled = new ModelEncoder(options, pool);
        var codec = new WireCodec();
        var random = new Random(5);
        var start = ModestNodeDeltaTests.Vector(3000, _ => (float)random.NextDouble());
        for (var round = 1; round <= 4; round++)
        {
            // Repetitive values, so the lossless stage shrinks the delta and the whole model goes as is or shrinks.
            var trained = ModestNodeDeltaTests.Vector(3000, i => start.Parameters[i] + ((i % 5) * 0.01f * round));
            var key = new ModelBase(round, ModelHash.Of(start.Parameters));
            var fromHeap = heap.EncodeDelta(trained, start.Parameters, key);
            var fromPool = pooled.EncodeDelta(trained, start.Parameters, key);
            var wholeHeap = heap.EncodeWhole(trained);
            var wholePool = pooled.EncodeWhole(trained);

            Assert.Equal(Wire(codec, fromHeap), Wire(codec, fromPool));
            Assert.Equal(Wire(codec, wholeHeap), Wire(codec, wholePool));
            Assert.False(fromHeap.IsPooled);
            Assert.Equal(fromHeap.WireBodyLength, fromPool.WireBodyLength);
            fromPool.Release();
            wholePool.Release();
            Assert.Equal(0, pool.Outstanding);
            start = trained;
        }
    }

    [Fact]
    public void Views_ReleasedOneByOne_TheOthersStayReadableAndTheLastGivesTheBodyBack()
    {
        var pool = new BodyPool();
        var model = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }, pool)
            .EncodeWhole(ModestNodeDeltaTests.Vector(1000, i => i * 0.5f));
        var expected = model.DecodeWhole().Parameters.ToArray();
        var first = model.Share();
        var second = first.Share();

        Assert.True(model.IsPooled);
        Assert.True(first.SharesBodyWith(model));
        Assert.Equal(1, pool.Outstanding);
        model.Release();
        model.Release();
        first.Release();
        Assert.Equal(1, pool.Outstanding);
        Assert.Equal(expected, Decode(second));
        Assert.Throws<ObjectDisposedException>(() => Decode(first));
        Assert.Throws<ObjectDisposedException>(() => first.Share());

        second.Release();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void ReleasedView_OfAStorageRefilledWithTheNextModel_ThrowsInsteadOfReadingIt()
    {
        // The storage behind a released body goes back to a pool and holds the next model encoded:
        // a handle kept past its release must not read that model, not even its header.
        var encoder = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }, new BodyPool());
        var stale = encoder.EncodeWhole(ModestNodeDeltaTests.Vector(64, i => i));
        stale.Release();
        EncodedModel next = default;
        for (var attempt = 0; attempt < 10_000 && !next.SameStorage(stale); attempt++)
        {
            next.Release();
            next = encoder.EncodeWhole(ModestNodeDeltaTests.Vector(32, i => -i));
        }

        Assert.True(next.SameStorage(stale), "the pool of storages never handed the released storage out again");
        Assert.True(stale.IsReleased);
        Assert.False(next.IsReleased);
        Assert.Throws<ObjectDisposedException>(() => stale.Length);
        Assert.Throws<ObjectDisposedException>(() => stale.DecodeWhole());
        Assert.Throws<ObjectDisposedException>(() => stale.DecodeInto(new float[32]));
        Assert.Throws<ObjectDisposedException>(() => stale.Share());
        Assert.NotEqual(stale, next);
        stale.Release();
        Assert.False(next.IsReleased);
        Assert.Equal(ModestNodeDeltaTests.Vector(32, i => -i).Parameters.Select(v => (double)v), next.DecodeWhole().Parameters.Select(v => (double)v), (x, y) => Math.Abs(x - y) < 0.2);
        next.Release();
    }

    [Fact]
    public void CopiesOfAHandle_AreOneView_ReleasedOnce()
    {
        var model = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16 }, new BodyPool())
            .EncodeWhole(ModestNodeDeltaTests.Vector(16, i => i));
        var copy = model;
        var shared = model.Share();

        copy.Release();

        Assert.Equal(model, copy);
        Assert.True(model.IsReleased);
        Assert.False(shared.IsReleased);
        shared.Release();
    }

    [Fact]
    public void Views_DecodeWholeOnce_EveryViewGetsTheSameCachedModel()
    {
        var model = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16 }, new BodyPool())
            .EncodeWhole(ModestNodeDeltaTests.Vector(100, i => i));
        var view = model.Share();

        var decoded = model.DecodeWhole();
        model.Release();

        Assert.Same(decoded, view.DecodeWhole());
        Assert.Equal(model.DecodedHash(), view.DecodedHash());
    }

    [Fact]
    public void Share_HeapModel_IsItself_DecodedPooledModel_IsAHeapCopy()
    {
        var heap = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }).EncodeWhole(ModestNodeDeltaTests.Vector(100, i => i));
        var bytes = new ArrayBufferWriter<byte>();
        new WireCodec().Encode(new AggregatedModel(2, heap, ViewUpdate.Empty(0)), bytes);
        var decoded = ((AggregatedModel)new WireCodec().Decode(bytes.WrittenMemory).Message!).Model;

        var copy = decoded.Share();
        decoded.Release();

        Assert.Equal(heap, heap.Share());
        Assert.False(copy.IsPooled);
        Assert.Equal(heap.DecodeWhole().Parameters, copy.DecodeWhole().Parameters);
    }

    private static byte[] Wire(WireCodec codec, EncodedModel model)
    {
        var bytes = new ArrayBufferWriter<byte>();
        codec.Encode(new TrainedModel(7, model, 10, ViewUpdate.Empty(0)), bytes);
        return bytes.WrittenSpan.ToArray();
    }

    private static float[] Decode(EncodedModel model)
    {
        var values = new float[model.Length];
        model.DecodeInto(values);
        return values;
    }
}
