namespace Decentral.Data.Partitioning;

/// <summary>Materialises a <see cref="Partition"/> as one dataset per node.</summary>
public static class PartitionExtensions
{
    /// <summary>One copy of <paramref name="dataset"/> per node, holding that node's samples (named "name#node").</summary>
    /// <exception cref="ArgumentException">The partition was made for a different number of samples.</exception>
    public static ImageDataset[] SplitByNode(this Partition partition, ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        CheckSize(partition, dataset.Count);
        return [.. Enumerable.Range(0, partition.NodeCount).Select(n =>
        {
            var part = dataset.Subset(partition.Node(n));
            return new ImageDataset($"{dataset.Name}#{n}", part.Height, part.Width, part.Classes, part.Pixels, part.Labels);
        })];
    }

    /// <summary>One copy of <paramref name="ratings"/> per node, holding that node's ratings; id spaces are kept.</summary>
    /// <exception cref="ArgumentException">The partition was made for a different number of ratings.</exception>
    public static RatingsDataset[] SplitByNode(this Partition partition, RatingsDataset ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        CheckSize(partition, ratings.Count);
        return [.. Enumerable.Range(0, partition.NodeCount).Select(n =>
        {
            var part = ratings.Subset(partition.Node(n));
            return new RatingsDataset(
                $"{ratings.Name}#{n}", part.UserCount, part.ItemCount, part.Users, part.Items, part.Ratings, part.Timestamps);
        })];
    }

    private static void CheckSize(Partition partition, int count)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (partition.SampleCount != count)
        {
            throw new ArgumentException($"The partition covers {partition.SampleCount} samples, the dataset has {count}.");
        }
    }
}
