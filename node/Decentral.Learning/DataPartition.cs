using Decentral.Data.Partitioning;

namespace Decentral.Learning;

/// <summary>
/// Which training samples each node holds: one permutation of sample indices with node n owning
/// <c>Indices[Offsets[n]..Offsets[n+1]]</c>. Costs 4 bytes per sample plus 4 per node; the
/// features themselves stay in the one shared dataset.
/// </summary>
public sealed class DataPartition
{
    private readonly int[] _indices;
    private readonly int[] _offsets;

    private DataPartition(int[] indices, int[] offsets)
    {
        _indices = indices;
        _offsets = offsets;
    }

    /// <summary>Number of nodes.</summary>
    public int Nodes => _offsets.Length - 1;

    /// <summary>The sample indices of node <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> SamplesOf(int node) => _indices.AsSpan(_offsets[node], _offsets[node + 1] - _offsets[node]);

    /// <summary>Number of samples node <paramref name="node"/> holds.</summary>
    public int CountOf(int node) => _offsets[node + 1] - _offsets[node];

    /// <summary>
    /// A partition over <paramref name="nodes"/> nodes in which only <paramref name="node"/> holds
    /// samples, the first <paramref name="samples"/> of a dataset that is that node's share alone
    /// (<see cref="ClassificationDataset.Subset"/>, in the share's order).
    /// </summary>
    public static DataPartition OnlyNode(int nodes, int node, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)node, (uint)nodes, nameof(node));
        var offsets = new int[nodes + 1];
        for (var n = node + 1; n <= nodes; n++)
        {
            offsets[n] = samples;
        }

        return new DataPartition([.. Enumerable.Range(0, samples)], offsets);
    }

    /// <summary>Flattens a partition made by Decentral.Data's partitioners (one shared index array).</summary>
    public static DataPartition From(Partition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var offsets = new int[partition.NodeCount + 1];
        var indices = new int[partition.SampleCount];
        for (int n = 0; n < partition.NodeCount; n++)
        {
            var samples = partition.Node(n);
            samples.CopyTo(indices.AsSpan(offsets[n]));
            offsets[n + 1] = offsets[n] + samples.Length;
        }

        return new DataPartition(indices, offsets);
    }

    /// <summary>
    /// Label-skewed non-IID split (Dirichlet <paramref name="alpha"/> per class; see
    /// <see cref="LabelPartitioner.Dirichlet"/>), for a dataset of at most 256 classes.
    /// </summary>
    public static DataPartition Dirichlet(ClassificationDataset data, int nodes, double alpha, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data.Classes, 256);
        var labels = new byte[data.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)data.Y[i];
        }

        return From(LabelPartitioner.Dirichlet(labels, data.Classes, nodes, alpha, seed));
    }

    /// <summary>IID split (see <see cref="LabelPartitioner.Iid"/>).</summary>
    public static DataPartition Iid(int samples, int nodes, int seed) => From(LabelPartitioner.Iid(samples, nodes, seed));
}
