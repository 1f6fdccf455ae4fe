using System.Runtime.InteropServices;
using Decentral.Aggregation;
using Decentral.Learning;

namespace Decentral.Core.Tests.Aggregation;

public sealed class FedAvgTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(70)]
    [InlineData(527)]
    [InlineData(528)]
    [InlineData(529)]
    [InlineData(2049)]
    [InlineData(100_003)]
    public void Average_AnyLength_SameBitsAsAccumulator(int length)
    {
        // Lengths around the 16-element step and the 512-element prefetch distance cover whole
        // steps, the scalar tail and the end of prefetching.
        var random = new Random(length);
        var models = Enumerable.Range(0, 5)
            .Select(k => new WeightedModel(new ModelVector("m", RandomFloats(random, length)), k == 2 ? 0 : random.Next(1, 1000)))
            .ToArray();
        var accumulator = new FedAvgAccumulator("m", length);
        foreach (var (model, weight) in models)
        {
            Assert.True(accumulator.Add(model, weight).Ok);
        }

        var expected = new float[length];
        var actual = new float[length];
        Assert.True(accumulator.Finish(expected).Ok);

        Assert.True(FedAvg.Average(models, actual).Ok);
        Assert.True(Bits(expected).SequenceEqual(Bits(actual)));
    }

    [Fact]
    public void Average_AllWeightsZero_GivesPlainMean()
    {
        WeightedModel[] models = [new(new ModelVector("m", [1f, 2f, 3f]), 0), new(new ModelVector("m", [3f, 4f, 5f]), 0)];
        var result = new float[3];

        Assert.True(FedAvg.Average(models, result).Ok);
        Assert.Equal(new[] { 2f, 3f, 4f }, result);
    }

    [Fact]
    public void Average_InvalidInput_IsAnErrorAndWritesNothing()
    {
        var good = new WeightedModel(new ModelVector("m", [1f, 2f]), 1);
        var cases = new (WeightedModel[] Models, int Length, AggregationError Error)[]
        {
            ([], 2, AggregationError.Empty),
            ([good, new(new ModelVector("other", [1f, 2f]), 1)], 2, AggregationError.LayoutMismatch),
            ([good, new(new ModelVector("m", [1f]), 1)], 2, AggregationError.LengthMismatch),
            ([good], 3, AggregationError.LengthMismatch),
            ([good, good with { Weight = -2 }], 2, AggregationError.InvalidWeight),
            ([good, good with { Weight = double.NaN }], 2, AggregationError.InvalidWeight),
        };

        foreach (var (models, length, error) in cases)
        {
            var destination = Enumerable.Repeat(-7f, length).ToArray();
            Assert.Equal(error, FedAvg.Average(models, destination).Error);
            Assert.All(destination, v => Assert.Equal(-7f, v));
        }
    }

    private static float[] RandomFloats(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-3, 4)))).ToArray();

    private static ReadOnlySpan<byte> Bits(float[] values) => MemoryMarshal.AsBytes(values.AsSpan());
}
