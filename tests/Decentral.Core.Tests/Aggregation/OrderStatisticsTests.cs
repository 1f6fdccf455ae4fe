using Decentral.Aggregation;

namespace Decentral.Core.Tests.Aggregation;

public sealed class OrderStatisticsTests
{
    [Fact]
    public void Network_EveryZeroOneInputUpToSixteen_Sorts()
    {
        // The 0-1 principle: a comparator network that sorts every 0/1 sequence sorts everything.
        for (var n = 1; n <= 16; n++)
        {
            var network = OrderStatistics.Network(n);
            for (var bits = 0; bits < 1 << n; bits++)
            {
                var values = new int[n];
                for (var i = 0; i < n; i++)
                {
                    values[i] = (bits >> i) & 1;
                }

                foreach (var (a, b) in network)
                {
                    if (values[a] > values[b])
                    {
                        (values[a], values[b]) = (values[b], values[a]);
                    }
                }

                Assert.True(values.SequenceEqual(values.Order()), $"n = {n}, input {bits}");
            }
        }
    }

    [Theory]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(70)]
    public void Network_RandomInputsOfLargerSizes_Sorts(int n)
    {
        var random = new Random(n);
        var network = OrderStatistics.Network(n);
        for (var trial = 0; trial < 200; trial++)
        {
            var values = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
            var expected = values.Order().ToArray();

            OrderStatistics.SortedRangeMean(values, network, 0, 1);

            Assert.Equal(expected, values);
        }
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(5, 2, 3)]
    [InlineData(10, 4, 6)]
    [InlineData(10, 2, 8)]
    [InlineData(70, 10, 60)]
    public void MeanOfSortedRange_AnyLength_SameBitsAsSortingEachColumn(int n, int low, int high)
    {
        // Lengths cover no vector at all, whole vectors and tails of every size up to a vector.
        foreach (var length in new[] { 0, 1, 7, 8, 9, 31, 64, 100, 1001 })
        {
            var random = new Random((n * 1000) + length);
            var rows = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray()).ToArray();
            var actual = new float[length];

            OrderStatistics.MeanOfSortedRange(rows, low, high, actual);

            for (var i = 0; i < length; i++)
            {
                var column = rows.Select(r => r[i]).Order().ToArray();
                double sum = column[low];
                for (var p = low + 1; p < high; p++)
                {
                    sum += column[p];
                }

                Assert.Equal(BitConverter.SingleToInt32Bits((float)((sum / (high - low)) + 0.0)), BitConverter.SingleToInt32Bits(actual[i]));
            }
        }
    }

    [Fact]
    public void MeanOfSortedRange_NegativeZeros_WritesPositiveZero()
    {
        float[][] rows = [[-0f, -0f, -0f, -0f, -0f, -0f, -0f, -0f, -0f], [-0f, -0f, -0f, -0f, -0f, -0f, -0f, -0f, -0f], [0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f]];
        var result = new float[9];

        OrderStatistics.MeanOfSortedRange(rows, 1, 2, result);

        Assert.All(result, v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));
    }

    [Fact]
    public void MeanOfSortedRange_RangeOutsideTheModels_Throws()
    {
        float[][] rows = [[1f], [2f]];

        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.MeanOfSortedRange(rows, 1, 3, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.MeanOfSortedRange(rows, 1, 1, new float[1]));
    }
}
