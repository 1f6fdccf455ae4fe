using Decentral.Data.MovieLens;
using Decentral.Data.Partitioning;
using Decentral.Data.RData;
using Decentral.Data.Tests.Kit;

namespace Decentral.Data.Tests;

public sealed class MovieLensTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>The dslabs layout: movieId, title, year, genres (factor), userId, rating, timestamp.</summary>
    internal static RList Frame(int[] users, int[] movies, double[] ratings, int[] timestamps) => RXdrWriter.DataFrame(
        users.Length,
        altrepRowNames: false,
        ("movieId", new RInteger(movies)),
        ("title", new RString([.. movies.Select(m => $"Movie {m}")])),
        ("year", new RInteger([.. movies.Select(_ => 1999)])),
        ("genres", RXdrWriter.Factor([.. movies.Select(m => (m % 2) + 1)], "Comedy", "Drama")),
        ("userId", new RInteger(users)),
        ("rating", new RReal(ratings)),
        ("timestamp", new RInteger(timestamps)));

    [Fact]
    public void Load_TinyDatabase_RenumbersUsersAndMoviesDenselyInIdOrder()
    {
        var rdx = LazyLoadDbWriter.Write(
            folder.Path,
            "Rdata",
            3,
            ("other", new RInteger([1])),
            (MovieLensLoader.ObjectName, Frame([40, 7, 40, 7, 12], [500, 3, 3, 90, 500], [4.5, 3, 0.5, 5, 2], [5, 4, 3, 2, 1])));

        var data = MovieLensLoader.Load(rdx).Value;
        var ratings = data.Ratings;

        Assert.Equal([7, 12, 40], data.UserIds);
        Assert.Equal([3, 90, 500], data.MovieIds);
        Assert.Equal((5, 3, 3), (ratings.Count, ratings.UserCount, ratings.ItemCount));
        Assert.Equal([2, 0, 2, 0, 1], ratings.Users);
        Assert.Equal([2, 0, 0, 1, 2], ratings.Items);
        Assert.Equal([4.5f, 3f, 0.5f, 5f, 2f], ratings.Ratings);
        Assert.Equal([5L, 4, 3, 2, 1], ratings.Timestamps);
    }

    [Fact]
    public void Load_MissingColumn_IsCorruptErrorNamingIt()
    {
        var frame = RXdrWriter.DataFrame(1, false, ("userId", new RInteger([1])), ("rating", new RReal([1])));
        var rdx = LazyLoadDbWriter.Write(folder.Path, "Rdata", 3, (MovieLensLoader.ObjectName, frame));

        var error = MovieLensLoader.Load(rdx).Error!;

        Assert.Equal(DataErrorKind.Corrupt, error.Kind);
        Assert.Contains("no column 'movieId'", error.Detail);
    }

    [Fact]
    public void Load_NaUser_IsCorrupt()
    {
        var rdx = LazyLoadDbWriter.Write(
            folder.Path, "Rdata", 2, (MovieLensLoader.ObjectName, Frame([1, RInteger.NA], [1, 2], [1, 2], [1, 2])));

        Assert.Contains("'userId' holds NA", MovieLensLoader.Load(rdx).Error!.Detail);
    }

    [Fact]
    public void Load_NotADataFrame_IsCorrupt()
    {
        var rdx = LazyLoadDbWriter.Write(folder.Path, "Rdata", 3, (MovieLensLoader.ObjectName, new RInteger([1])));

        Assert.Contains("not a data.frame", MovieLensLoader.Load(rdx).Error!.Detail);
    }

    [Fact]
    public void PerUserByTime_HoldsOutEachUsersLatestRatings()
    {
        // User 0 has 10 ratings (2 held out), user 1 has 4 (none: floor(0.8)), user 2 has 5 (1).
        int[] users = [0, 0, 1, 0, 2, 0, 0, 1, 2, 0, 0, 2, 1, 0, 2, 0, 1, 2, 0];
        var timestamps = users.Select((_, i) => (long)((i * 7919) % 101)).ToArray();
        var ratings = new RatingsDataset("r", 3, 1, users, new int[users.Length], new float[users.Length], timestamps);

        var split = RatingsSplit.PerUserByTime(ratings, 0.2);

        Assert.Equal(users.Length, split.Train.Count + split.Test.Count);
        Assert.Equal(3, split.Test.Count);
        Assert.Equal((3, 1), (split.Train.UserCount, split.Train.ItemCount));
        for (var u = 0; u < 3; u++)
        {
            var trainTimes = split.Train.Timestamps.Where((_, i) => split.Train.Users[i] == u).ToArray();
            var testTimes = split.Test.Timestamps.Where((_, i) => split.Test.Users[i] == u).ToArray();
            Assert.Equal(new[] { 2, 0, 1 }[u], testTimes.Length);
            Assert.All(testTimes, t => Assert.True(t >= trainTimes.Max()));
        }

        var all = split.Train.Timestamps.Concat(split.Test.Timestamps).Order();
        Assert.Equal(timestamps.Order(), all);
    }

    [Fact]
    public void ByUser_GivesEachUserTheirOwnRatings()
    {
        int[] users = [2, 0, 2, 1, 0, 2];
        var ratings = new RatingsDataset("r", 4, 1, users, new int[6], new float[6], new long[6]);

        var partition = UserPartitioner.ByUser(ratings);

        Assert.Equal(4, partition.NodeCount);
        Assert.Equal([1, 4], partition.Node(0).ToArray());
        Assert.Equal([3], partition.Node(1).ToArray());
        Assert.Equal([0, 2, 5], partition.Node(2).ToArray());
        Assert.Equal(0, partition.NodeSize(3));
        var summary = PartitionSummary.Create("ratings by user", partition);
        Assert.Null(summary.Classes);
        Assert.Contains("samples per node: min 0, median 1.5, max 3, mean 1.5", summary.ToText());
    }
}
