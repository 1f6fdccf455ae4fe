using Decentral.Data.RData;

namespace Decentral.Data.MovieLens;

/// <summary>
/// Reads the `movielens` data.frame of the R package dslabs (MovieLens ml-latest-small, 2016)
/// from its lazy-load database and renumbers users and movies densely.
/// </summary>
public static class MovieLensLoader
{
    /// <summary>The object name inside the dslabs data database.</summary>
    public const string ObjectName = "movielens";

    /// <summary>Loads the ratings from the lazy-load database whose index is <paramref name="rdxPath"/>.</summary>
    /// <param name="rdxPath">Path of Rdata.rdx (Rdata.rdb must sit next to it).</param>
    /// <param name="name">Name of the resulting dataset.</param>
    public static DataResult<MovieLensData> Load(string rdxPath, string name = "movielens")
    {
        ArgumentException.ThrowIfNullOrEmpty(rdxPath);
        return RLazyLoadDatabase.Open(rdxPath)
            .Then(db => db.Read(ObjectName))
            .Then(frame => DataFiles.Guard(rdxPath, () => FromFrame(name, RDataFrame.From(frame))));
    }

    /// <summary>Builds the dataset from the four columns the model needs.</summary>
    /// <exception cref="CorruptDataException">A column is missing or malformed.</exception>
    internal static MovieLensData FromFrame(string name, RDataFrame frame)
    {
        var rawUsers = frame.Integers("userId");
        var rawMovies = frame.Integers("movieId");
        var ratings = Array.ConvertAll(frame.Doubles("rating"), r => (float)r);
        var timestamps = frame.Longs("timestamp");
        var (users, userIds) = Densify(rawUsers);
        var (items, movieIds) = Densify(rawMovies);
        var dataset = new RatingsDataset(name, userIds.Length, movieIds.Length, users, items, ratings, timestamps);
        return new MovieLensData(dataset, userIds, movieIds);
    }

    /// <summary>Maps arbitrary ids to 0..distinct-1 in ascending id order, so the mapping does not depend on row order.</summary>
    internal static (int[] Dense, int[] Original) Densify(int[] ids)
    {
        var original = ids.Distinct().Order().ToArray();
        var lookup = new Dictionary<int, int>(original.Length);
        for (var i = 0; i < original.Length; i++)
        {
            lookup[original[i]] = i;
        }

        return (Array.ConvertAll(ids, id => lookup[id]), original);
    }
}
