namespace Decentral.Data.Partitioning;

/// <summary>How labelled samples are spread over nodes.</summary>
public enum PartitionScheme
{
    /// <summary>Uniformly at random, near-equal sizes.</summary>
    Iid,

    /// <summary>Per class, shares drawn from a symmetric Dirichlet(alpha): small alpha, few classes per node.</summary>
    Dirichlet,

    /// <summary>Sorted by label, cut into Nodes*ShardsPerNode equal shards, ShardsPerNode random shards per node.</summary>
    Shards,
}

/// <summary>Options of a label partition; validated by <see cref="Validate"/> before use.</summary>
public sealed class PartitionOptions
{
    /// <summary>The scheme. Default <see cref="PartitionScheme.Iid"/>.</summary>
    public PartitionScheme Scheme { get; init; } = PartitionScheme.Iid;

    /// <summary>Number of nodes; at least 1 and at most the number of samples. Default 100.</summary>
    public int Nodes { get; init; } = 100;

    /// <summary>Dirichlet concentration, positive and finite; 0.1 is strongly skewed, 100 is near IID. Default 0.1.</summary>
    public double Alpha { get; init; } = 0.1;

    /// <summary>Shards per node for <see cref="PartitionScheme.Shards"/>, at least 1. Default 2 (about two classes per node).</summary>
    public int ShardsPerNode { get; init; } = 2;

    /// <summary>Seed of the System.Random that drives the partition; the same seed gives the same partition. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Scheme))
        {
            throw new ArgumentException($"Unknown partition scheme {Scheme}.", nameof(Scheme));
        }

        if (Nodes < 1)
        {
            throw new ArgumentException($"Nodes must be at least 1, got {Nodes}.", nameof(Nodes));
        }

        if (!(Alpha > 0) || double.IsInfinity(Alpha))
        {
            throw new ArgumentException($"Alpha must be positive and finite, got {Alpha}.", nameof(Alpha));
        }

        if (ShardsPerNode < 1)
        {
            throw new ArgumentException($"ShardsPerNode must be at least 1, got {ShardsPerNode}.", nameof(ShardsPerNode));
        }
    }

    /// <summary>A short description for run output, e.g. "dirichlet(alpha=0.1), 100 nodes, seed 0".</summary>
    public override string ToString() => Scheme switch
    {
        PartitionScheme.Dirichlet => $"dirichlet(alpha={Alpha:G4}), {Nodes} nodes, seed {Seed}",
        PartitionScheme.Shards => $"shards({ShardsPerNode} per node), {Nodes} nodes, seed {Seed}",
        _ => $"iid, {Nodes} nodes, seed {Seed}",
    };
}
