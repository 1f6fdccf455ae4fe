namespace Decentral.Data.Partitioning;

/// <summary>
/// An assignment of sample indices to nodes in which every sample of 0..SampleCount-1 belongs
/// to exactly one node (checked on construction). Each node's indices are ascending.
/// </summary>
public sealed class Partition
{
    private readonly int[][] nodes;

    /// <summary>Creates a partition, checking that every sample is assigned exactly once.</summary>
    /// <param name="sampleCount">Number of samples being partitioned.</param>
    /// <param name="nodes">Sample indices per node; sorted in place, owned by the partition afterwards.</param>
    /// <exception cref="ArgumentException">A sample is missing, repeated or out of range.</exception>
    public Partition(int sampleCount, int[][] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        var seen = new bool[sampleCount];
        var assigned = 0;
        foreach (var node in nodes)
        {
            ArgumentNullException.ThrowIfNull(node, nameof(nodes));
            Array.Sort(node);
            foreach (var sample in node)
            {
                if ((uint)sample >= (uint)sampleCount || seen[sample])
                {
                    throw new ArgumentException($"Sample {sample} is out of range or assigned twice.", nameof(nodes));
                }

                seen[sample] = true;
                assigned++;
            }
        }

        if (assigned != sampleCount)
        {
            throw new ArgumentException($"{sampleCount - assigned} of {sampleCount} samples are not assigned.", nameof(nodes));
        }

        SampleCount = sampleCount;
        this.nodes = nodes;
    }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => nodes.Length;

    /// <summary>Number of samples partitioned.</summary>
    public int SampleCount { get; }

    /// <summary>The ascending sample indices of node <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> Node(int node) => nodes[node];

    /// <summary>Number of samples of node <paramref name="node"/>.</summary>
    public int NodeSize(int node) => nodes[node].Length;

    /// <summary>The node each sample belongs to.</summary>
    public int[] NodeOfSample()
    {
        var owner = new int[SampleCount];
        for (var n = 0; n < nodes.Length; n++)
        {
            foreach (var sample in nodes[n])
            {
                owner[sample] = n;
            }
        }

        return owner;
    }
}
