using Decentral.Simulator.Network;

namespace Decentral.Simulator.Tests.Network;

public class LatencyTests
{
    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Round(p * (sorted.Length - 1))];

    [Fact]
    public void SyntheticMatrix_MatchesModestQuantiles()
    {
        var matrix = SiteLatencyMatrix.Synthetic(227, seed: 42);
        var entries = matrix.Entries.ToArray();
        Array.Sort(entries);
        Assert.InRange(Percentile(entries, 0.5), 67 * 0.95, 67 * 1.05);
        Assert.InRange(Percentile(entries, 0.1), 16 * 0.93, 16 * 1.07);
        Assert.InRange(Percentile(entries, 0.9), 133 * 0.95, 133 * 1.05);
        Assert.InRange(entries[^1], 500, 812);
        Assert.True(entries[0] >= 1);
    }

    [Fact]
    public void SyntheticMatrix_IsAsymmetricAndReproducible()
    {
        var a = SiteLatencyMatrix.Synthetic(50, seed: 1);
        int asymmetric = 0;
        for (int i = 0; i < 50; i++)
        {
            for (int j = i + 1; j < 50; j++)
            {
                asymmetric += a.Milliseconds(i, j) != a.Milliseconds(j, i) ? 1 : 0;
            }
        }

        Assert.True(asymmetric > 0.9 * 50 * 49 / 2);
        Assert.True(a.Entries.SequenceEqual(SiteLatencyMatrix.Synthetic(50, seed: 1).Entries));
        Assert.False(a.Entries.SequenceEqual(SiteLatencyMatrix.Synthetic(50, seed: 2).Entries));
    }

    [Fact]
    public void SiteModel_AssignsNodesRoundRobinOverSeededSiteOrder()
    {
        var matrix = SiteLatencyMatrix.Synthetic(10, seed: 5);
        var model = new SiteLatencyModel(matrix, seed: 9);
        Assert.Equal(10, Enumerable.Range(0, 10).Select(model.SiteOf).Distinct().Count());
        Assert.Equal(model.SiteOf(3), model.SiteOf(13));
        Assert.Equal(matrix.DelayTicks(model.SiteOf(4), model.SiteOf(27)), model.OneWayDelay(4, 27));
        Assert.Equal((long)Math.Round(matrix.Milliseconds(model.SiteOf(1), model.SiteOf(2)) * 1000), model.OneWayDelay(1, 2));
    }

    [Fact]
    public void Csv_RoundTripsAndSkipsCommentsAndBlankLines()
    {
        var matrix = SiteLatencyMatrix.Synthetic(7, seed: 3);
        var writer = new StringWriter();
        writer.WriteLine("# one-way latency in ms");
        matrix.WriteCsv(writer);
        writer.WriteLine();
        var loaded = SiteLatencyMatrix.Parse(new StringReader(writer.ToString()));
        Assert.True(loaded.IsSuccess, loaded.Error);
        Assert.True(matrix.Entries.SequenceEqual(loaded.Value.Entries));
    }

    [Theory]
    [InlineData("1,2\n3\n", "line 2: 1 values, but the first row has 2")]
    [InlineData("1,2\n3,4\n5,6\n", "square: 3 rows of 2")]
    [InlineData("1,x\n3,4\n", "line 1, column 2: 'x' is not a number")]
    [InlineData("1,2\n-3,4\n", "line 2, column 1: latency -3 ms must be finite and non-negative")]
    [InlineData("1,NaN\n3,4\n", "line 1, column 2: latency NaN ms")]
    [InlineData("# nothing\n\n", "empty")]
    public void Csv_BadInput_GivesClearError(string csv, string expected)
    {
        var result = SiteLatencyMatrix.Parse(new StringReader(csv));
        Assert.False(result.IsSuccess);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public void Load_MissingFile_IsAFailureValueNamingThePath()
    {
        var result = SiteLatencyMatrix.Load("/nonexistent/latency.csv");
        Assert.False(result.IsSuccess);
        Assert.Contains("/nonexistent/latency.csv", result.Error);
    }
}
