using Decentral.Data.Partitioning;

namespace Decentral.Data.Tests;

/// <summary>
/// Checks the real fetched files. CI runs scripts/fetch-data.sh first; without the data this
/// test fails on purpose, with the loader's message saying how to fetch it.
/// </summary>
public sealed class RealDataTests
{
    [Fact]
    [Trait("Category", "RealData")]
    public void Catalog_FetchedData_HasTheKnownCounts()
    {
        var catalog = new DataCatalog(DataCatalog.DefaultRoot(AppContext.BaseDirectory));
        Assert.True(
            Directory.Exists(catalog.Root),
            $"The data folder {catalog.Root} does not exist. {DataError.FetchHint}");

        var mnist = Loaded(catalog.LoadImages(DataCatalog.Mnist));
        var fashion = Loaded(catalog.LoadImages(DataCatalog.FashionMnist));
        foreach (var split in new[] { mnist, fashion })
        {
            Assert.Equal((60000, 10000), (split.Train.Count, split.Test.Count));
            Assert.Equal((28, 28, 10), (split.Train.Height, split.Train.Width, split.Train.Classes));
            Assert.All(split.Train.ClassCounts(), c => Assert.InRange(c, 5000, 7000));
            Assert.InRange(split.Train.Pixels.Max(), 0.99f, 1f);
        }

        // First labels as published: MNIST train starts with a 5, test with a 7; Fashion-MNIST with ankle boots (9).
        Assert.Equal((5, 7), (mnist.Train.Labels[0], mnist.Test.Labels[0]));
        Assert.Equal((9, 9), (fashion.Train.Labels[0], fashion.Test.Labels[0]));

        // Fashion-MNIST is balanced by construction.
        Assert.All(fashion.Train.ClassCounts(), c => Assert.Equal(6000, c));
        Assert.All(fashion.Test.ClassCounts(), c => Assert.Equal(1000, c));

        var movies = Loaded(catalog.LoadMovieLensRatings());
        Assert.Equal(100004, movies.Ratings.Count);
        Assert.Equal(671, movies.Ratings.UserCount);
        Assert.Equal(9066, movies.Ratings.ItemCount);
        Assert.Equal((0.5f, 5f), (movies.Ratings.Ratings.Min(), movies.Ratings.Ratings.Max()));
        // ml-latest-small's ratings.csv starts with user 1 rating movie 31 2.5 stars at 1260759144.
        Assert.Equal((1, 31, 2.5f, 1260759144L), (
            movies.UserIds[movies.Ratings.Users[0]], movies.MovieIds[movies.Ratings.Items[0]],
            movies.Ratings.Ratings[0], movies.Ratings.Timestamps[0]));

        var split80 = Loaded(catalog.LoadMovieLens());
        // floor(20%) of each user's ratings, latest first, summed over the 671 users.
        Assert.Equal((80251, 19753), (split80.Train.Count, split80.Test.Count));
    }

    private static T Loaded<T>(DataResult<T> result) =>
        result.IsSuccess ? result.Value : throw new Xunit.Sdk.XunitException(result.Error!.Message);
}
