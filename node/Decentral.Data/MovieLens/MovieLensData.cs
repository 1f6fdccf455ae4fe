namespace Decentral.Data.MovieLens;

/// <summary>
/// All MovieLens ratings with dense ids, plus the maps back to the original MovieLens user and
/// movie ids (dense id i is the i-th smallest original id).
/// </summary>
/// <param name="Ratings">All ratings; users and items are dense 0-based ids.</param>
/// <param name="UserIds">Original userId per dense user id, ascending.</param>
/// <param name="MovieIds">Original movieId per dense item id, ascending.</param>
public sealed record MovieLensData(RatingsDataset Ratings, int[] UserIds, int[] MovieIds);
