namespace Decentral.Data;

/// <summary>
/// User-item ratings as parallel columns (structure of arrays), with users and items renumbered
/// densely from 0 so a model can index embedding tables with them directly.
/// </summary>
public sealed class RatingsDataset
{
    /// <summary>Creates a dataset and checks that the columns have one length and ids are in range.</summary>
    /// <param name="name">Human-readable name, e.g. "movielens/train".</param>
    /// <param name="userCount">Number of distinct user ids in the id space (not only in this subset).</param>
    /// <param name="itemCount">Number of distinct item ids in the id space (not only in this subset).</param>
    /// <param name="users">Dense 0-based user id per rating. Owned by the dataset.</param>
    /// <param name="items">Dense 0-based item id per rating. Owned by the dataset.</param>
    /// <param name="ratings">Rating value per rating. Owned by the dataset.</param>
    /// <param name="timestamps">Unix time in seconds per rating. Owned by the dataset.</param>
    public RatingsDataset(
        string name, int userCount, int itemCount, int[] users, int[] items, float[] ratings, long[] timestamps)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(ratings);
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentOutOfRangeException.ThrowIfNegative(userCount);
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        if (items.Length != users.Length || ratings.Length != users.Length || timestamps.Length != users.Length)
        {
            throw new ArgumentException("The user, item, rating and timestamp columns differ in length.");
        }

        CheckIds(users, userCount, nameof(users));
        CheckIds(items, itemCount, nameof(items));
        Name = name;
        UserCount = userCount;
        ItemCount = itemCount;
        Users = users;
        Items = items;
        Ratings = ratings;
        Timestamps = timestamps;
    }

    /// <summary>Human-readable name, e.g. "movielens/train".</summary>
    public string Name { get; }

    /// <summary>Size of the dense user id space (ids are 0..UserCount-1).</summary>
    public int UserCount { get; }

    /// <summary>Size of the dense item id space (ids are 0..ItemCount-1).</summary>
    public int ItemCount { get; }

    /// <summary>Dense 0-based user id per rating. Callers must not modify it.</summary>
    public int[] Users { get; }

    /// <summary>Dense 0-based item id per rating. Callers must not modify it.</summary>
    public int[] Items { get; }

    /// <summary>Rating value per rating (MovieLens: 0.5 to 5 in half stars). Callers must not modify it.</summary>
    public float[] Ratings { get; }

    /// <summary>Unix time in seconds per rating. Callers must not modify it.</summary>
    public long[] Timestamps { get; }

    /// <summary>Number of ratings.</summary>
    public int Count => Users.Length;

    /// <summary>
    /// A copy holding the ratings at <paramref name="indices"/>, in that order. The id spaces are
    /// kept, so a model sized for the full set can be used on any subset.
    /// </summary>
    public RatingsDataset Subset(ReadOnlySpan<int> indices)
    {
        var users = new int[indices.Length];
        var items = new int[indices.Length];
        var ratings = new float[indices.Length];
        var timestamps = new long[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            users[k] = Users[i];
            items[k] = Items[i];
            ratings[k] = Ratings[i];
            timestamps[k] = Timestamps[i];
        }

        return new RatingsDataset(Name, UserCount, ItemCount, users, items, ratings, timestamps);
    }

    private static void CheckIds(int[] ids, int count, string paramName)
    {
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)count)
            {
                throw new ArgumentException($"Id {id} is outside 0..{count - 1}.", paramName);
            }
        }
    }
}
