namespace Decentral.Data.Partitioning;

/// <summary>
/// Splits labelled samples over nodes: IID, Dirichlet label skew or label-sorted shards. Every
/// scheme is driven by one System.Random(seed), so a seed reproduces a partition exactly on
/// every machine and .NET version that keeps System.Random's seeded sequence.
/// </summary>
public static class LabelPartitioner
{
    /// <summary>Partitions a dataset's samples as <paramref name="options"/> say.</summary>
    public static Partition Create(ImageDataset dataset, PartitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Create(dataset.Labels, dataset.Classes, options);
    }

    /// <summary>Partitions samples with the given labels as <paramref name="options"/> say.</summary>
    /// <param name="labels">Label per sample, each below <paramref name="classes"/>.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="options">Scheme, node count, seed and scheme parameters; validated here.</param>
    public static Partition Create(ReadOnlySpan<byte> labels, int classes, PartitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Scheme switch
        {
            PartitionScheme.Dirichlet => Dirichlet(labels, classes, options.Nodes, options.Alpha, options.Seed),
            PartitionScheme.Shards => Shards(labels, options.Nodes, options.ShardsPerNode, options.Seed),
            _ => Iid(labels.Length, options.Nodes, options.Seed),
        };
    }

    /// <summary>Shuffles the samples and deals them out in near-equal blocks (sizes differ by at most 1).</summary>
    public static Partition Iid(int sampleCount, int nodes, int seed)
    {
        CheckNodes(sampleCount, nodes);
        var order = Enumerable.Range(0, sampleCount).ToArray();
        new Random(seed).Shuffle(order);
        return new Partition(sampleCount, Deal(order, nodes));
    }

    /// <summary>
    /// For each class, draws node shares from Dirichlet(alpha) and gives each node its share of
    /// that class's (shuffled) samples. A node left empty receives one sample from the largest
    /// node, so every node can train.
    /// </summary>
    public static Partition Dirichlet(ReadOnlySpan<byte> labels, int classes, int nodes, double alpha, int seed)
    {
        CheckNodes(labels.Length, nodes);
        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "must be positive and finite");
        }

        var random = new Random(seed);
        var byClass = ByClass(labels, classes);
        var assigned = Enumerable.Range(0, nodes).Select(_ => new List<int>()).ToArray();
        var shares = new double[nodes];
        foreach (var members in byClass)
        {
            random.Shuffle(members);
            DirichletSampler.Sample(random, alpha, shares);
            var cumulative = 0.0;
            var start = 0;
            for (var n = 0; n < nodes; n++)
            {
                cumulative += shares[n];
                var end = n == nodes - 1 ? members.Length : Math.Min(members.Length, (int)Math.Round(cumulative * members.Length));
                assigned[n].AddRange(members.AsSpan(start, end - start));
                start = end;
            }
        }

        FillEmptyNodes(assigned);
        return new Partition(labels.Length, [.. assigned.Select(a => a.ToArray())]);
    }

    /// <summary>
    /// Sorts samples by label, cuts them into nodes*shardsPerNode contiguous shards of
    /// near-equal size and gives each node shardsPerNode shards chosen at random, so a node
    /// sees about shardsPerNode classes (the split of McMahan et al.'s FedAvg paper).
    /// </summary>
    public static Partition Shards(ReadOnlySpan<byte> labels, int nodes, int shardsPerNode, int seed)
    {
        CheckNodes(labels.Length, nodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardsPerNode, 1);
        var shardCount = checked(nodes * shardsPerNode);
        if (shardCount > labels.Length)
        {
            throw new ArgumentException($"{shardCount} shards need at least as many samples, there are {labels.Length}.");
        }

        var byLabel = ByClass(labels, 256).SelectMany(c => c).ToArray();
        var shards = Deal(byLabel, shardCount);
        var order = Enumerable.Range(0, shardCount).ToArray();
        new Random(seed).Shuffle(order);
        var result = new int[nodes][];
        for (var n = 0; n < nodes; n++)
        {
            result[n] = [.. order.AsSpan(n * shardsPerNode, shardsPerNode).ToArray().SelectMany(s => shards[s])];
        }

        return new Partition(labels.Length, result);
    }

    /// <summary>Splits <paramref name="items"/> into <paramref name="parts"/> contiguous blocks whose sizes differ by at most one.</summary>
    internal static int[][] Deal(int[] items, int parts)
    {
        var blocks = new int[parts][];
        var start = 0;
        for (var p = 0; p < parts; p++)
        {
            var size = (items.Length / parts) + (p < items.Length % parts ? 1 : 0);
            blocks[p] = items.AsSpan(start, size).ToArray();
            start += size;
        }

        return blocks;
    }

    private static int[][] ByClass(ReadOnlySpan<byte> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        var lists = Enumerable.Range(0, classes).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes)
            {
                throw new ArgumentException($"Label {labels[i]} of sample {i} is not below the class count {classes}.", nameof(labels));
            }

            lists[labels[i]].Add(i);
        }

        return [.. lists.Select(l => l.ToArray())];
    }

    private static void FillEmptyNodes(List<int>[] assigned)
    {
        foreach (var empty in assigned.Where(a => a.Count == 0))
        {
            // Ties go to the lowest node index, keeping the result a pure function of the seed.
            var donor = assigned.MaxBy(a => a.Count)!;
            empty.Add(donor[^1]);
            donor.RemoveAt(donor.Count - 1);
        }
    }

    private static void CheckNodes(int sampleCount, int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        if (nodes > sampleCount)
        {
            throw new ArgumentException($"{nodes} nodes need at least as many samples, there are {sampleCount}.", nameof(nodes));
        }
    }
}
