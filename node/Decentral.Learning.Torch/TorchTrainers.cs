using System.Collections;
using Decentral.Data;
using Decentral.Data.Partitioning;

namespace Decentral.Learning.Torch;

/// <summary>
/// The local trainers of every node of a run, one per partition entry, sharing one model per
/// training that runs at the same time. Dispose after the last Train call to free the native models.
/// </summary>
public sealed class TrainerSet : IReadOnlyList<ILocalTrainer>, IDisposable
{
    private readonly ILocalTrainer[] trainers;
    private readonly IDisposable pool;

    internal TrainerSet(string layoutId, ILocalTrainer[] trainers, IDisposable pool)
    {
        LayoutId = layoutId;
        this.trainers = trainers;
        this.pool = pool;
    }

    /// <summary>Layout of the parameter vectors the trainers take and produce.</summary>
    public string LayoutId { get; }

    /// <summary>Number of nodes.</summary>
    public int Count => trainers.Length;

    /// <summary>The trainer of node <paramref name="index"/> (its position in the partition).</summary>
    public ILocalTrainer this[int index] => trainers[index];

    /// <inheritdoc />
    public IEnumerator<ILocalTrainer> GetEnumerator() => ((IEnumerable<ILocalTrainer>)trainers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => trainers.GetEnumerator();

    /// <inheritdoc />
    public void Dispose() => pool.Dispose();
}

/// <summary>Builds per-node trainers from a training set and a partition of its indices.</summary>
public static class TorchTrainers
{
    /// <summary>LeNet-5 trainers, node k training on <c>partition[k]</c> of <paramref name="train"/>.</summary>
    /// <param name="train">The full training set; trainers read it in place, so it must not change.</param>
    /// <param name="partition">Dataset indices per node.</param>
    /// <param name="options">SGD settings; validated here.</param>
    /// <param name="seed">Run seed; node k's batch order derives from (seed, k, round).</param>
    public static TrainerSet ForImages(ImageDataset train, IReadOnlyList<int[]> partition, SgdOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Build(
            LeNet5.LayoutId(train.Height, train.Width, train.Classes),
            train.Count,
            partition,
            options,
            () => new LeNet5(train.Height, train.Width, train.Classes),
            (pool, indices, nodeSeed) => new ImageTrainer(pool, train, indices, options, nodeSeed),
            seed);
    }

    /// <summary>LeNet-5 trainers for the nodes of a <see cref="Partition"/> of <paramref name="train"/>.</summary>
    public static TrainerSet ForImages(ImageDataset train, Partition partition, SgdOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        return ForImages(train, Indices(partition, train.Count), options, seed);
    }

    /// <summary>Matrix factorisation trainers, node k training on <c>partition[k]</c> of <paramref name="train"/>.</summary>
    /// <param name="train">The full training ratings; trainers read it in place, so it must not change.</param>
    /// <param name="partition">Rating indices per node (for MovieLens, one user's ratings each).</param>
    /// <param name="options">SGD settings; validated here.</param>
    /// <param name="seed">Run seed; node k's batch order derives from (seed, k, round).</param>
    /// <param name="updateScale">
    /// Factor (at least 1) applied to each node's local update (trained minus start parameters)
    /// before the model leaves the node: a server learning rate, applied at the trainers because
    /// the aggregation only averages. Averaging s models whose updates are sparse dilutes them:
    /// with one user per node, a user's own row (factors, bias) changes in one of the s models, so
    /// the average moves it by 1/s of that user's update, and an item row by (raters among the s) / s.
    /// Setting this to the number of models averaged (s for MoDeST and FedAvg) turns the average
    /// into the sum of the updates, which for a user's row is exactly that user's update and for an
    /// item row is what SGD over those users' ratings in turn would do: the sum aggregation of
    /// federated matrix factorisation (server-side sums of item gradients, e.g. FedMF, FCF).
    /// 1 (the default) returns the trained parameters unchanged.
    /// </param>
    public static TrainerSet ForRatings(RatingsDataset train, IReadOnlyList<int[]> partition, SgdOptions options, int seed, double updateScale = 1)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!double.IsFinite(updateScale) || updateScale < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(updateScale), updateScale, "Must be finite and at least 1.");
        }

        return Build(
            MatrixFactorization.LayoutId(train.UserCount, train.ItemCount),
            train.Count,
            partition,
            options,
            () => new MatrixFactorization(train.UserCount, train.ItemCount),
            (pool, indices, nodeSeed) => new RatingsTrainer(pool, train, indices, options, nodeSeed, updateScale),
            seed);
    }

    /// <summary>Matrix factorisation trainers for the nodes of a <see cref="Partition"/> of <paramref name="train"/>.</summary>
    /// <param name="train">The full training ratings.</param>
    /// <param name="partition">The nodes' rating indices.</param>
    /// <param name="options">SGD settings; validated here.</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="updateScale">See <see cref="ForRatings(RatingsDataset, IReadOnlyList{int[]}, SgdOptions, int, double)"/>.</param>
    public static TrainerSet ForRatings(RatingsDataset train, Partition partition, SgdOptions options, int seed, double updateScale = 1)
    {
        ArgumentNullException.ThrowIfNull(train);
        return ForRatings(train, Indices(partition, train.Count), options, seed, updateScale);
    }

    /// <summary>Mean rating of <paramref name="train"/>, the usual starting global bias for <see cref="RatingsTask"/>.</summary>
    public static float MeanRating(RatingsDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        return train.Count == 0 ? 0f : (float)train.Ratings.Average(r => (double)r);
    }

    private static TrainerSet Build<TModel>(
        string layoutId,
        int sampleCount,
        IReadOnlyList<int[]> partition,
        SgdOptions options,
        Func<TModel> createModel,
        Func<ModelPool<TModel>, int[], int, ILocalTrainer> createTrainer,
        int seed)
        where TModel : TorchSharp.torch.nn.Module
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        foreach (var part in partition)
        {
            ArgumentNullException.ThrowIfNull(part, nameof(partition));
            foreach (int index in part)
            {
                if ((uint)index >= (uint)sampleCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(partition), index, $"Index outside 0..{sampleCount - 1}.");
                }
            }
        }

        var pool = new ModelPool<TModel>(createModel);
        var trainers = new ILocalTrainer[partition.Count];
        for (int k = 0; k < trainers.Length; k++)
        {
            trainers[k] = createTrainer(pool, partition[k], Seeds.Derive(seed, k));
        }

        return new TrainerSet(layoutId, trainers, pool);
    }

    internal static int[][] Indices(Partition partition, int sampleCount)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (partition.SampleCount != sampleCount)
        {
            throw new ArgumentException($"The partition covers {partition.SampleCount} samples, the dataset has {sampleCount}.", nameof(partition));
        }

        return Enumerable.Range(0, partition.NodeCount).Select(k => partition.Node(k).ToArray()).ToArray();
    }
}
