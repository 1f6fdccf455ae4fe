using Decentral.Data.Partitioning;

namespace Decentral.Learning.Torch.Tests;

public sealed class TrainerFactoryTests
{
    [Fact]
    public void ForImages_FromPartition_OneTrainerPerNodeWithItsSampleCount()
    {
        var data = SyntheticData.Images(50, 1);
        var partition = LabelPartitioner.Iid(data.Count, nodes: 4, seed: 2);

        using var trainers = TorchTrainers.ForImages(data, partition, new SgdOptions(), seed: 3);

        Assert.Equal(4, trainers.Count);
        Assert.Equal(Enumerable.Range(0, 4).Select(partition.NodeSize), trainers.Select(t => t.LocalSamples));
    }

    [Fact]
    public void ForImages_PartitionOfAnotherDataset_Throws()
    {
        var data = SyntheticData.Images(50, 1);
        var partition = LabelPartitioner.Iid(49, nodes: 2, seed: 2);

        Assert.Throws<ArgumentException>(() => TorchTrainers.ForImages(data, partition, new SgdOptions(), seed: 3));
    }

    [Fact]
    public void ForImages_PartitionIndexOutOfRange_Throws()
    {
        var data = SyntheticData.Images(5, 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => TorchTrainers.ForImages(data, [[0, 5]], new SgdOptions(), 1));
    }

    [Fact]
    public void ForRatings_ByUser_OneTrainerPerUser()
    {
        var ratings = SyntheticData.Ratings(users: 6, items: 9, perUser: 4, seed: 1);

        using var trainers = TorchTrainers.ForRatings(ratings, UserPartitioner.ByUser(ratings), new SgdOptions(), seed: 2);

        Assert.Equal(6, trainers.Count);
        Assert.All(trainers, t => Assert.Equal(4, t.LocalSamples));
        Assert.Equal("mf20/u6/i9/v1", trainers.LayoutId);
    }
}
