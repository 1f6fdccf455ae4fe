using System.Globalization;
using System.Text;

namespace Decentral.Data.Partitioning;

/// <summary>Minimum, median, maximum and mean of a per-node quantity.</summary>
/// <param name="Min">Smallest value.</param>
/// <param name="Median">Median (mean of the two middle values for an even count).</param>
/// <param name="Max">Largest value.</param>
/// <param name="Mean">Arithmetic mean.</param>
public readonly record struct Spread(double Min, double Median, double Max, double Mean)
{
    /// <summary>The spread of <paramref name="values"/> (all zero when empty).</summary>
    public static Spread Of(IReadOnlyCollection<int> values)
    {
        if (values.Count == 0)
        {
            return default;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
        return new Spread(sorted[0], median, sorted[^1], sorted.Average());
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"min {Min:0.##}, median {Median:0.##}, max {Max:0.##}, mean {Mean:0.##}");
}

/// <summary>
/// What a partition looks like: samples and (for labelled data) distinct classes per node,
/// with their spreads. Printed as part of a run's output so a result can be matched to the
/// data split that produced it.
/// </summary>
public sealed class PartitionSummary
{
    private PartitionSummary(string description, int samples, int[] samplesPerNode, int[]? classesPerNode)
    {
        Description = description;
        SampleCount = samples;
        SamplesPerNode = samplesPerNode;
        ClassesPerNode = classesPerNode;
        Samples = Spread.Of(samplesPerNode);
        Classes = classesPerNode is null ? null : Spread.Of(classesPerNode);
    }

    /// <summary>What was partitioned and how, e.g. "mnist/train, dirichlet(alpha=0.1), 100 nodes, seed 0".</summary>
    public string Description { get; }

    /// <summary>Total number of samples.</summary>
    public int SampleCount { get; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => SamplesPerNode.Count;

    /// <summary>Samples held by each node.</summary>
    public IReadOnlyList<int> SamplesPerNode { get; }

    /// <summary>Distinct labels held by each node; null for unlabelled data (ratings).</summary>
    public IReadOnlyList<int>? ClassesPerNode { get; }

    /// <summary>Spread of <see cref="SamplesPerNode"/>.</summary>
    public Spread Samples { get; }

    /// <summary>Spread of <see cref="ClassesPerNode"/>; null for unlabelled data.</summary>
    public Spread? Classes { get; }

    /// <summary>Summarises a partition of labelled samples.</summary>
    public static PartitionSummary Create(string description, Partition partition, ReadOnlySpan<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (labels.Length != partition.SampleCount)
        {
            throw new ArgumentException($"{labels.Length} labels for {partition.SampleCount} samples.", nameof(labels));
        }

        var classes = new int[partition.NodeCount];
        Span<bool> present = stackalloc bool[256];
        for (var n = 0; n < partition.NodeCount; n++)
        {
            present.Clear();
            foreach (var sample in partition.Node(n))
            {
                present[labels[sample]] = true;
            }

            classes[n] = present.Count(true);
        }

        return new PartitionSummary(description, partition.SampleCount, Sizes(partition), classes);
    }

    /// <summary>Summarises a partition of unlabelled samples (e.g. ratings per user).</summary>
    public static PartitionSummary Create(string description, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return new PartitionSummary(description, partition.SampleCount, Sizes(partition), null);
    }

    /// <summary>
    /// A few lines of text: the description, the spreads and, when <paramref name="perNode"/>
    /// is set, one line per node.
    /// </summary>
    public string ToText(bool perNode = false)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"partition: {Description}: {SampleCount} samples over {NodeCount} nodes\n");
        text.Append(CultureInfo.InvariantCulture, $"  samples per node: {Samples}\n");
        if (Classes is { } classes)
        {
            text.Append(CultureInfo.InvariantCulture, $"  classes per node: {classes}\n");
        }

        if (perNode)
        {
            for (var n = 0; n < NodeCount; n++)
            {
                text.Append(CultureInfo.InvariantCulture, $"  node {n}: {SamplesPerNode[n]} samples");
                if (ClassesPerNode is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $", {ClassesPerNode[n]} classes");
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToText();

    private static int[] Sizes(Partition partition) =>
        [.. Enumerable.Range(0, partition.NodeCount).Select(partition.NodeSize)];
}
