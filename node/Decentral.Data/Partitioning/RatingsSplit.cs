namespace Decentral.Data.Partitioning;

/// <summary>A train/test split of ratings.</summary>
/// <param name="Train">Ratings to learn from.</param>
/// <param name="Test">Held-out ratings.</param>
public sealed record RatingsSplit(RatingsDataset Train, RatingsDataset Test)
{
    /// <summary>
    /// Splits every user's ratings by time: the latest <paramref name="testFraction"/> of each
    /// user's ratings (rounded down) go to the test set, the rest to the training set. Splitting
    /// per user keeps every user in both halves, and splitting by time tests prediction of the
    /// future from the past, as a deployed recommender would face. Ties in time keep row order.
    /// </summary>
    /// <param name="ratings">The ratings to split.</param>
    /// <param name="testFraction">Share of each user's ratings held out, in [0, 1).</param>
    public static RatingsSplit PerUserByTime(RatingsDataset ratings, double testFraction)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        if (!(testFraction is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be in [0, 1)");
        }

        var byUser = RowsByUser(ratings);
        var train = new List<int>(ratings.Count);
        var test = new List<int>((int)(ratings.Count * testFraction) + byUser.Length);
        foreach (var rows in byUser)
        {
            // Rows are in ascending row order already, so a stable sort by time breaks ties by row.
            var ordered = rows.OrderBy(r => ratings.Timestamps[r]).ToArray();
            var held = (int)Math.Floor(ordered.Length * testFraction);
            train.AddRange(ordered.AsSpan(0, ordered.Length - held));
            test.AddRange(ordered.AsSpan(ordered.Length - held));
        }

        train.Sort();
        test.Sort();
        return new RatingsSplit(
            Rename(ratings.Subset(train.ToArray()), "train"), Rename(ratings.Subset(test.ToArray()), "test"));
    }

    /// <summary>Row indices of each user's ratings, indexed by dense user id, in ascending row order.</summary>
    public static int[][] RowsByUser(RatingsDataset ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var counts = new int[ratings.UserCount];
        foreach (var user in ratings.Users)
        {
            counts[user]++;
        }

        var rows = new int[ratings.UserCount][];
        for (var u = 0; u < rows.Length; u++)
        {
            rows[u] = new int[counts[u]];
        }

        var filled = new int[ratings.UserCount];
        for (var i = 0; i < ratings.Count; i++)
        {
            var user = ratings.Users[i];
            rows[user][filled[user]++] = i;
        }

        return rows;
    }

    private static RatingsDataset Rename(RatingsDataset d, string part) =>
        new($"{d.Name}/{part}", d.UserCount, d.ItemCount, d.Users, d.Items, d.Ratings, d.Timestamps);
}
