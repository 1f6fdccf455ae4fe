namespace Decentral.Learning.Torch.Tests;

public sealed class ModelPoolTests
{
    private static readonly SgdOptions Options = new() { LearningRate = 0.05, Momentum = 0.9, BatchSize = 8, LocalSteps = 2 };

    [Fact]
    public void Train_OnManyShortLivedThreadsInTurn_BuildsOneWorkspace()
    {
        // A node trains each round on whichever thread-pool thread is free, and the pool retires
        // and injects threads: a workspace per thread seen grew with every new thread.
        var train = SyntheticData.Images(40, 1);
        using var pool = new ModelPool<LeNet5>(() => new LeNet5(28, 28, 10));
        var trainer = new ImageTrainer(pool, train, Enumerable.Range(0, train.Count).ToArray(), Options, seed: 2);
        var start = new float[61_706];
        var results = new List<float[]>();

        for (int round = 0; round < 6; round++)
        {
            var result = new float[start.Length];
            long r = round;
            var thread = new Thread(() => trainer.Train(start, result, r));
            thread.Start();
            thread.Join();
            results.Add(result);
        }

        Assert.Equal(1, pool.Created);
        Assert.All(results, r => Assert.Contains(r, x => x != 0));
    }

    [Fact]
    public void Rent_WhileAnotherLeaseIsOut_GivesADistinctWorkspaceAndReusesBothAfterwards()
    {
        using var pool = new ModelPool<LeNet5>(() => new LeNet5(28, 28, 10));

        var first = pool.Rent();
        var second = pool.Rent();
        Assert.NotSame(first.Workspace, second.Workspace);
        first.Dispose();
        second.Dispose();
        using (var again = pool.Rent())
        using (var more = pool.Rent())
        {
            Assert.NotSame(again.Workspace, more.Workspace);
            Assert.Contains(again.Workspace, new[] { first.Workspace, second.Workspace });
            Assert.Contains(more.Workspace, new[] { first.Workspace, second.Workspace });
        }

        Assert.Equal(2, pool.Created);
    }
}
