namespace Decentral.Data.Partitioning;

/// <summary>The natural split of ratings: one node per user, holding exactly that user's ratings.</summary>
public static class UserPartitioner
{
    /// <summary>
    /// Node u holds the ratings of dense user u (so there are <see cref="RatingsDataset.UserCount"/>
    /// nodes; a user with no ratings in <paramref name="ratings"/> gets an empty node).
    /// </summary>
    public static Partition ByUser(RatingsDataset ratings) =>
        new(ratings?.Count ?? throw new ArgumentNullException(nameof(ratings)), RatingsSplit.RowsByUser(ratings));
}
