using System.Runtime.InteropServices;
using Decentral.Aggregation;
using Decentral.Learning;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Aggregation;

public sealed class FedAvgAccumulatorTests
{
    [Property(MaxTest = 300)]
    public Property Finish_RandomModels_EqualsNaiveReference() =>
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var actual = Average(c.Models, c.Weights);
            var expected = NaiveAverage(c.Models, c.Weights);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
            }
        });

    [Fact]
    public void Finish_EveryLengthUpTo70_SimdEqualsScalarBitForBit()
    {
        // Lengths 0..70 cover empty input, pure scalar tails, whole vectors and vectors plus tails.
        var random = new Random(1234);
        for (var length = 0; length <= 70; length++)
        {
            var models = Enumerable.Range(0, 4).Select(_ => RandomFloats(random, length)).ToArray();
            double[] weights = [3, 0, 17, 1];

            var actual = Average(models, weights);
            var sums = new double[length];
            for (var k = 0; k < models.Length; k++)
            {
                if (weights[k] > 0)
                {
                    WeightedSum.AddScaledScalar(sums, models[k], weights[k]);
                }
            }

            var scalar = new float[length];
            WeightedSum.DivideScalar(sums, weights.Sum(), scalar);
            Assert.True(Bits(actual).SequenceEqual(Bits(scalar)), $"length {length}");
            Assert.Equal(NaiveAverage(models, weights), actual);
        }
    }

    [Theory]
    [InlineData(new[] { 2f, 10f }, new[] { 3.0, 1.0 }, 4f)]
    [InlineData(new[] { 100f, 5f, -100f }, new[] { 0.0, 2.0, 0.0 }, 5f)]
    [InlineData(new[] { 1f, 4f }, new[] { 0.0, 0.0 }, 2.5f)]
    [InlineData(new[] { 7f }, new[] { 1e9 }, 7f)]
    public void Finish_ConstantModels_IsWeightedMean(float[] values, double[] weights, float expected)
    {
        // Rows: weights respected; zero weights have no influence; all zero gives the plain mean.
        const int length = 11;
        var accumulator = new FedAvgAccumulator("m", length);
        for (var k = 0; k < values.Length; k++)
        {
            Assert.True(accumulator.Add(Filled(length, values[k]), weights[k]).Ok);
        }

        var result = new float[length];
        Assert.True(accumulator.Finish(result).Ok);
        Assert.All(result, v => Assert.Equal(expected, v));
        Assert.Equal(values.Length, accumulator.Count);
        Assert.Equal(weights.Sum(), accumulator.TotalWeight);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Add_InvalidWeight_IsRejectedAndChangesNothing(double weight)
    {
        var accumulator = new FedAvgAccumulator("m", 3);
        accumulator.Add(Filled(3, 1f), 1);

        Assert.Equal(AggregationError.InvalidWeight, accumulator.Add(Filled(3, 50f), weight).Error);

        var result = new float[3];
        accumulator.Finish(result);
        Assert.All(result, v => Assert.Equal(1f, v));
        Assert.Equal(1, accumulator.Count);
    }

    [Fact]
    public void Add_OtherLayoutOrLength_IsRejected()
    {
        var accumulator = new FedAvgAccumulator("lenet5", 4);

        Assert.Equal(AggregationError.LayoutMismatch, accumulator.Add(new ModelVector("mf-20", new float[4]), 1).Error);
        Assert.Equal(AggregationError.LengthMismatch, accumulator.Add(new ModelVector("lenet5", new float[5]), 1).Error);
        Assert.Equal(AggregationError.LengthMismatch, accumulator.Add(new float[3], 1).Error);
        Assert.True(accumulator.Add(new ModelVector("lenet5", new float[4]), 1).Ok);
        Assert.Equal(1, accumulator.Count);
    }

    [Fact]
    public void Finish_NothingAddedOrWrongDestination_IsAnError()
    {
        var accumulator = new FedAvgAccumulator("m", 4);

        Assert.Equal(AggregationError.Empty, accumulator.Finish(new float[4]).Error);
        accumulator.Add(Filled(4, 1f), 1);
        Assert.Equal(AggregationError.LengthMismatch, accumulator.Finish(new float[5]).Error);
    }

    [Fact]
    public void Reset_ForgetsEverything()
    {
        var accumulator = new FedAvgAccumulator("m", 20);
        accumulator.Add(Filled(20, 7f), 5);
        accumulator.Reset();
        accumulator.Add(Filled(20, 0f), 0);
        accumulator.Add(Filled(20, 3f), 2);
        var result = new float[20];

        Assert.True(accumulator.Finish(result).Ok);
        Assert.All(result, v => Assert.Equal(3f, v));
        Assert.Equal(2, accumulator.Count);
    }

    [Fact]
    public void Finish_SameOrderTwice_GivesSameBits()
    {
        var random = new Random(99);
        var models = Enumerable.Range(0, 8).Select(_ => RandomFloats(random, 1000)).ToArray();
        var weights = Enumerable.Range(0, 8).Select(_ => (double)random.Next(1, 500)).ToArray();

        Assert.True(Bits(Average(models, weights)).SequenceEqual(Bits(Average(models, weights))));
    }

    private static Gen<(float[][] Models, double[] Weights)> Cases() =>
        from length in Gen.Choose(0, 70)
        from count in Gen.Choose(1, 6)
        from models in Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 1000f).ArrayOf(length).ArrayOf(count)
        from weights in Gen.Frequency((1, Gen.Constant(0)), (5, Gen.Choose(1, 10_000))).Select(w => (double)w).ArrayOf(count)
        where weights.Any(w => w > 0)
        select (models, weights);

    private static float[] Average(float[][] models, double[] weights)
    {
        var accumulator = new FedAvgAccumulator("m", models[0].Length);
        for (var k = 0; k < models.Length; k++)
        {
            Assert.True(accumulator.Add(models[k], weights[k]).Ok);
        }

        var result = new float[models[0].Length];
        Assert.True(accumulator.Finish(result).Ok);
        return result;
    }

    // Textbook weighted mean, one element at a time (needs a positive weight).
    private static float[] NaiveAverage(float[][] models, double[] weights)
    {
        var total = weights.Sum();
        var result = new float[models[0].Length];
        for (var i = 0; i < result.Length; i++)
        {
            double sum = 0;
            for (var k = 0; k < models.Length; k++)
            {
                sum += weights[k] * models[k][i];
            }

            result[i] = (float)(sum / total);
        }

        return result;
    }

    private static float[] RandomFloats(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-3, 4)))).ToArray();

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();

    private static ReadOnlySpan<byte> Bits(float[] values) => MemoryMarshal.AsBytes(values.AsSpan());
}
