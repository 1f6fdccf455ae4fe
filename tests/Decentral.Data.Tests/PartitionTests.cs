using Decentral.Data.Partitioning;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Data.Tests;

public sealed class PartitionTests
{
    /// <summary>Labels for 10 classes with uneven class sizes, shuffled by <paramref name="seed"/>.</summary>
    private static byte[] Labels(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (byte)Math.Min(9, (int)(random.NextDouble() * random.NextDouble() * 14)))];
    }

    private static PartitionOptions Options(PartitionScheme scheme, int nodes, int seed, double alpha = 0.5, int shards = 2) =>
        new() { Scheme = scheme, Nodes = nodes, Seed = seed, Alpha = alpha, ShardsPerNode = shards };

    private static bool EverySampleOnce(Partition partition, int count)
    {
        var all = Enumerable.Range(0, partition.NodeCount).SelectMany(n => partition.Node(n).ToArray()).Order();
        return partition.SampleCount == count && all.SequenceEqual(Enumerable.Range(0, count));
    }

    [Property(MaxTest = 60)]
    public Property AnyScheme_AssignsEverySampleExactlyOnceAndIsReproducible(
        PositiveInt size, PositiveInt nodeSeed, int seed, bool useShards, NormalFloat alphaSeed)
    {
        var count = (size.Get % 400) + 20;
        var nodes = (nodeSeed.Get % 10) + 1;
        var alpha = Math.Pow(10, Math.Clamp(alphaSeed.Get, -2, 2));
        var labels = Labels(count, seed);
        var schemes = new[] { PartitionScheme.Iid, PartitionScheme.Dirichlet, useShards ? PartitionScheme.Shards : PartitionScheme.Iid };
        return schemes.All(scheme =>
        {
            var options = Options(scheme, nodes, seed, alpha);
            var first = LabelPartitioner.Create(labels, 10, options);
            var again = LabelPartitioner.Create(labels, 10, options);
            var same = Enumerable.Range(0, nodes).All(n => first.Node(n).SequenceEqual(again.Node(n)));
            var noneEmpty = Enumerable.Range(0, nodes).All(n => first.NodeSize(n) > 0);
            return first.NodeCount == nodes && EverySampleOnce(first, count) && same && noneEmpty;
        }).ToProperty();
    }

    [Property(MaxTest = 30)]
    public Property Iid_NodeSizesDifferByAtMostOne(PositiveInt size, PositiveInt nodeSeed, int seed)
    {
        var count = size.Get % 1000 + 50;
        var partition = LabelPartitioner.Iid(count, (nodeSeed.Get % 50) + 1, seed);
        var sizes = Enumerable.Range(0, partition.NodeCount).Select(partition.NodeSize).ToArray();
        return (sizes.Max() - sizes.Min() <= 1).ToProperty();
    }

    [Property(MaxTest = 40)]
    public Property Dirichlet_SmallAlpha_GivesFewerClassesPerNodeThanLargeAlpha(int seed)
    {
        var labels = Labels(3000, seed);
        double MeanClasses(double alpha) => PartitionSummary
            .Create("d", LabelPartitioner.Dirichlet(labels, 10, 30, alpha, seed), labels).Classes!.Value.Mean;

        var skewed = MeanClasses(0.05);
        var mild = MeanClasses(1);
        var flat = MeanClasses(100);
        return (skewed < mild && mild < flat && skewed < 5 && flat > 9).ToProperty()
            .Label($"classes per node: alpha 0.05 -> {skewed}, 1 -> {mild}, 100 -> {flat}");
    }

    [Fact]
    public void Dirichlet_DifferentSeeds_GiveDifferentPartitions()
    {
        var labels = Labels(1000, 1);

        var a = LabelPartitioner.Dirichlet(labels, 10, 10, 0.5, seed: 1);
        var b = LabelPartitioner.Dirichlet(labels, 10, 10, 0.5, seed: 2);

        Assert.NotEqual(a.NodeOfSample(), b.NodeOfSample());
    }

    [Fact]
    public void Shards_BalancedLabels_GiveEachNodeAtMostShardsPerNodeClasses()
    {
        // 10 classes x 100 samples, 50 nodes x 2 shards: every shard of 10 lies inside one class.
        var labels = Enumerable.Range(0, 1000).Select(i => (byte)(i % 10)).ToArray();

        var partition = LabelPartitioner.Create(labels, 10, Options(PartitionScheme.Shards, 50, seed: 3));
        var summary = PartitionSummary.Create("shards", partition, labels);

        Assert.All(summary.SamplesPerNode, s => Assert.Equal(20, s));
        Assert.All(summary.ClassesPerNode!, c => Assert.InRange(c, 1, 2));
        Assert.True(summary.Classes!.Value.Mean > 1.5, "random shard pairs should mostly mix two classes");
    }

    [Fact]
    public void Summary_KnownPartition_PrintsSpreads()
    {
        byte[] labels = [0, 1, 2, 0, 0, 1];
        var partition = new Partition(6, [[0, 1, 2], [3, 4], [5]]);

        var summary = PartitionSummary.Create("tiny", partition, labels);
        var text = summary.ToText(perNode: true);

        Assert.Equal([3, 2, 1], summary.SamplesPerNode);
        Assert.Equal([3, 1, 1], summary.ClassesPerNode!);
        Assert.Contains("partition: tiny: 6 samples over 3 nodes", text);
        Assert.Contains("samples per node: min 1, median 2, max 3, mean 2", text);
        Assert.Contains("classes per node: min 1, median 1, max 3, mean 1.67", text);
        Assert.Contains("node 0: 3 samples, 3 classes", text);
    }

    [Fact]
    public void SplitByNode_Images_GivesEachNodeItsOwnSamples()
    {
        float[] pixels = [0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f];
        var dataset = new ImageDataset("d", 1, 2, 3, pixels, [2, 0, 1]);
        var partition = new Partition(3, [[2], [0, 1]]);

        var nodes = partition.SplitByNode(dataset);

        Assert.Equal("d#0", nodes[0].Name);
        Assert.Equal(new byte[] { 1 }, nodes[0].Labels);
        Assert.Equal([0.4f, 0.5f], nodes[0].Pixels);
        Assert.Equal(new byte[] { 2, 0 }, nodes[1].Labels);
        Assert.Equal([0f, 0.1f, 0.2f, 0.3f], nodes[1].Pixels);
        Assert.Throws<ArgumentException>(() => new Partition(2, [[0, 1]]).SplitByNode(dataset));
    }

    [Fact]
    public void SplitByNode_Ratings_KeepsIdSpaces()
    {
        var ratings = new RatingsDataset("r", 5, 7, [4, 1], [6, 0], [1f, 2f], [10, 20]);

        var nodes = new Partition(2, [[1], [0]]).SplitByNode(ratings);

        Assert.Equal((5, 7, 1, 0, 2f, 20L), (nodes[0].UserCount, nodes[0].ItemCount, nodes[0].Users[0], nodes[0].Items[0], nodes[0].Ratings[0], nodes[0].Timestamps[0]));
        Assert.Equal(4, nodes[1].Users[0]);
    }

    [Theory]
    [InlineData(new[] { 0, 1 }, new[] { 1, 2 })]
    [InlineData(new[] { 0, 1 }, new int[0])]
    [InlineData(new[] { 0, 1, 3 }, new[] { 2 })]
    public void Partition_SampleMissingRepeatedOrOutOfRange_IsRejected(int[] first, int[] second)
    {
        Assert.Throws<ArgumentException>(() => new Partition(3, [first, second]));
    }

    [Theory]
    [InlineData(PartitionScheme.Iid, 0, 0.5, 1)]
    [InlineData(PartitionScheme.Dirichlet, 5, 0, 1)]
    [InlineData(PartitionScheme.Dirichlet, 5, double.PositiveInfinity, 1)]
    [InlineData(PartitionScheme.Shards, 5, 0.5, 0)]
    public void Options_Invalid_AreRejectedNamingTheOption(PartitionScheme scheme, int nodes, double alpha, int shards)
    {
        var options = Options(scheme, nodes, 0, alpha, shards);
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Create_MoreNodesThanSamples_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => LabelPartitioner.Create(new byte[3], 10, Options(PartitionScheme.Iid, 4, 0)));
    }

    [Fact]
    public void DirichletSampler_SharesSumToOneAndGammaMeanMatchesShape()
    {
        var random = new Random(11);
        var shares = new double[7];
        DirichletSampler.Sample(random, 0.01, shares);
        Assert.Equal(1.0, shares.Sum(), 9);
        Assert.All(shares, s => Assert.InRange(s, 0, 1));

        foreach (var shape in new[] { 0.3, 1.0, 4.0 })
        {
            var mean = Enumerable.Range(0, 20000).Average(_ => Math.Exp(DirichletSampler.LogGamma(random, shape)));
            Assert.InRange(mean, shape * 0.95, shape * 1.05);
        }
    }
}
