using System.Runtime.InteropServices;
using Decentral.Codecs;
using Decentral.Core.Tests.Wire;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Codecs;

/// <summary>decode(encode(x)) stays within each codec's documented error bound, through the wire too.</summary>
public sealed class CodecBoundProperties
{
    private static readonly ModelBase SomeBase = new(3, new ModelHash(1, 2));

    public static Arbitrary<float[]> Values() =>
        Gen.Frequency((10, Gen.Choose(0, 700)), (1, Gen.Choose(2000, 5000)))
            .SelectMany(n => WireGenerators.ModerateFloat.ArrayOf(n))
            .ToArbitrary();

    [Property(Arbitrary = [typeof(CodecBoundProperties)], MaxTest = 200)]
    public void Fp32_Whole_DecodesToTheSameBits(float[] values)
    {
        var decoded = RoundTrip(new ModelCodecOptions { Lossless = ModelCodecOptions.Zstd }, values, delta: false);

        Assert.True(MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(decoded.AsSpan())));
    }

    [Property(Arbitrary = [typeof(CodecBoundProperties)], MaxTest = 200)]
    public void Fp16_WholeAndDelta_WithinHalfPrecision(float[] values)
    {
        foreach (var delta in new[] { false, true })
        {
            var decoded = RoundTrip(new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16 }, values, delta);
            for (var i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(values[i] - decoded[i]) <= Fp16Bound(values[i]), $"{values[i]} -> {decoded[i]}");
            }
        }
    }

    [Fact]
    public void Fp16_BeyondHalfRange_SaturatesInsteadOfInfinity()
    {
        var decoded = RoundTrip(new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16 }, [1e6f, -70_000f, 65_504f], delta: false);

        Assert.Equal(new[] { 65_504f, -65_504f, 65_504f }, decoded);
    }

    [Property(Arbitrary = [typeof(CodecBoundProperties)], MaxTest = 200)]
    public void Int8_WholeAndDelta_WithinHalfAScalePerBlock(float[] values, PositiveInt block)
    {
        var blockSize = 1 + (block.Get % 300);
        foreach (var delta in new[] { false, true })
        {
            var decoded = RoundTrip(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, BlockSize = blockSize }, values, delta);
            for (var start = 0; start < values.Length; start += blockSize)
            {
                var chunk = values.AsSpan(start, Math.Min(blockSize, values.Length - start));
                var scale = MaxMagnitude(chunk) / 127f;
                for (var i = 0; i < chunk.Length; i++)
                {
                    var x = chunk[i];
                    Assert.True(Math.Abs(x - decoded[start + i]) <= (scale * 0.5f * 1.0001f) + (Math.Abs(x) * 1e-6f), $"{x} -> {decoded[start + i]} (scale {scale})");
                }
            }
        }
    }

    [Property(Arbitrary = [typeof(CodecBoundProperties)], MaxTest = 200)]
    public void TopK_Delta_SendsExactlyTheKLargestWithinTheQuantizerBound(float[] values, PositiveInt percent)
    {
        if (values.Length == 0)
        {
            return;
        }

        var fraction = 1 + (percent.Get % 100);
        foreach (var quantizer in new[] { ModelCodecOptions.Fp32, ModelCodecOptions.Fp16, ModelCodecOptions.Int8 })
        {
            var options = new ModelCodecOptions { Quantizer = quantizer, TopK = fraction / 100.0, Lossless = ModelCodecOptions.Lz4 };
            var decoded = RoundTrip(options, values, delta: true);
            var k = options.TopKCount(values.Length);
            var expected = Enumerable.Range(0, values.Length).OrderByDescending(i => Math.Abs(values[i])).ThenBy(i => i).Take(k).ToHashSet();
            var largest = expected.Max(i => Math.Abs(values[i]));
            for (var i = 0; i < values.Length; i++)
            {
                if (!expected.Contains(i))
                {
                    Assert.Equal(0f, decoded[i]);
                    continue;
                }

                var bound = quantizer switch
                {
                    ModelCodecOptions.Fp32 => 0f,
                    ModelCodecOptions.Fp16 => Fp16Bound(values[i]),
                    _ => (largest / 127f * 0.5f * 1.0001f) + (Math.Abs(values[i]) * 1e-6f),
                };
                Assert.True(Math.Abs(values[i] - decoded[i]) <= bound, $"{quantizer} entry {i}: {values[i]} -> {decoded[i]}");
            }
        }
    }

    [Property(Arbitrary = [typeof(CodecBoundProperties)], MaxTest = 100)]
    public void TopK_ErrorFeedback_SentPlusResidualIsEverythingTrained(float[] values, PositiveInt seed)
    {
        // Over rounds, what was sent plus what is still held back sums to all deltas: nothing is lost.
        if (values.Length == 0)
        {
            return;
        }

        var random = new Random(seed.Get);
        var encoder = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, TopK = 0.1 });
        var start = new float[values.Length];
        var total = new double[values.Length];
        var sent = new double[values.Length];
        var decoded = new float[values.Length];
        for (var round = 0; round < 5; round++)
        {
            var trained = values.Select(v => v * (float)(random.NextDouble() * 2 - 1)).ToArray();
            var model = encoder.EncodeDelta(new ModelVector("m", trained), start, SomeBase);
            model.DecodeInto(decoded);
            for (var i = 0; i < values.Length; i++)
            {
                total[i] += trained[i];
                sent[i] += decoded[i];
            }
        }

        var tolerance = values.Max(v => Math.Abs(v)) * 1e-4;
        var remaining = encoder.Residual;
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(total[i] - sent[i] - remaining[i]) <= tolerance, $"entry {i}: total {total[i]}, sent {sent[i]}, held {remaining[i]}");
        }
    }

    [Property(Arbitrary = [typeof(CodecBoundProperties)], MaxTest = 100)]
    public void Lossless_AnyStage_DecodesLikeNoStage(float[] values)
    {
        var plain = RoundTrip(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }, values, delta: true);
        foreach (var stage in new[] { ModelCodecOptions.Lz4, ModelCodecOptions.Zstd })
        {
            var staged = RoundTrip(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, Lossless = stage }, values, delta: true);
            Assert.Equal(plain, staged);
        }
    }

    [Fact]
    public void Int8_AllZeroAndTinyBlocks_SendScaleOneAndDecodeToZero()
    {
        var values = new float[600];
        values[300] = 1e-40f;
        var model = new ModelEncoder(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }).EncodeWhole(new ModelVector("m", values));

        var decoded = new float[600];
        model.DecodeInto(decoded);

        Assert.All(decoded, v => Assert.Equal(0f, v));
        Assert.True(model.Body[4..8].SequenceEqual(BitConverter.GetBytes(1f)));
    }

    // Encodes `values` as a whole model or as a delta from zero, sends it through the wire codec
    // (so the receiver's validation sees it) and decodes what arrived.
    internal static float[] RoundTrip(ModelCodecOptions options, float[] values, bool delta)
    {
        var encoder = new ModelEncoder(options);
        var model = delta
            ? encoder.EncodeDelta(new ModelVector("m", values), new float[values.Length], SomeBase)
            : encoder.EncodeWhole(new ModelVector("m", values));
        var codec = new WireCodec();
        var result = codec.Decode(WireCodecRoundTripTests.Encode(new AggregatedModel(1, model, ViewUpdate.Empty(0))));
        Assert.True(result.Ok, result.ToString());
        var received = ((AggregatedModel)result.Message).Model;
        var decoded = new float[values.Length];
        received.DecodeInto(decoded);
        var local = new float[values.Length];
        model.DecodeInto(local);
        Assert.Equal(local, decoded);
        received.Release();
        return decoded;
    }

    private static float Fp16Bound(float x) => Math.Abs(x) <= 65_504 ? Math.Max(Math.Abs(x) * MathF.Pow(2, -11), MathF.Pow(2, -25)) : Math.Abs(x) - 65_504;

    private static float MaxMagnitude(ReadOnlySpan<float> values)
    {
        var max = 0f;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
