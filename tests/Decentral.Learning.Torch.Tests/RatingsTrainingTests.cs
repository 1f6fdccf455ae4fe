namespace Decentral.Learning.Torch.Tests;

public sealed class RatingsTrainingTests
{
    [Fact]
    public void Task_TwentyFactors_HasExpectedLayoutAndSize()
    {
        var ratings = SyntheticData.Ratings(users: 7, items: 11, perUser: 3, seed: 1);
        using var task = new RatingsTask(ratings, initialBias: 3.5f);

        Assert.Equal((7 + 11) * 21 + 1, task.ParameterCount);
        Assert.Equal("mf20/u7/i11/v1", task.LayoutId);
    }

    [Fact]
    public void Train_OneUserPerNode_ReducesTestRmse()
    {
        var all = SyntheticData.Ratings(users: 20, items: 30, perUser: 40, seed: 2);
        var testIndices = Enumerable.Range(0, all.Count).Where(i => i % 5 == 0).ToArray();
        var trainIndices = Enumerable.Range(0, all.Count).Where(i => i % 5 != 0).ToArray();
        var train = all.Subset(trainIndices);
        var perUser = Enumerable.Range(0, all.UserCount)
            .Select(u => Enumerable.Range(0, train.Count).Where(i => train.Users[i] == u).ToArray()).ToArray();
        var options = new SgdOptions { LearningRate = 0.05, Momentum = 0.5, BatchSize = 8, LocalSteps = 10 };
        using var task = new RatingsTask(all.Subset(testIndices), TorchTrainers.MeanRating(train));
        using var trainers = TorchTrainers.ForRatings(train, perUser, options, seed: 4);
        var model = new float[task.ParameterCount];
        task.InitialParameters(5, model);
        var before = task.Evaluate(model);

        // Plain federated averaging over all users, enough to show the model and loss work.
        var sum = new double[model.Length];
        var result = new float[model.Length];
        for (int round = 0; round < 30; round++)
        {
            Array.Clear(sum);
            foreach (var trainer in trainers)
            {
                trainer.Train(model, result, round);
                for (int i = 0; i < sum.Length; i++)
                {
                    sum[i] += result[i];
                }
            }

            for (int i = 0; i < model.Length; i++)
            {
                model[i] = (float)(sum[i] / trainers.Count);
            }
        }

        var after = task.Evaluate(model);
        Assert.Equal(trainers.LayoutId, task.LayoutId);
        Assert.True(double.IsNaN(after.Accuracy));
        Assert.Equal(Math.Sqrt(after.Loss), after.Rmse, 9);
        Assert.True(after.Rmse < before.Rmse * 0.8, $"RMSE {before.Rmse} -> {after.Rmse}");
    }

    [Fact]
    public void InitialParameters_BiasesZeroAndGlobalBiasConfigured()
    {
        var ratings = SyntheticData.Ratings(users: 4, items: 6, perUser: 2, seed: 3);
        using var task = new RatingsTask(ratings, initialBias: 3.25f);
        var p = new float[task.ParameterCount];

        task.InitialParameters(1, p);

        // Flat order: global bias, user factors, item factors, user biases, item biases.
        int factors = (4 + 6) * 20;
        Assert.Equal(3.25f, p[0]);
        Assert.Contains(p[1..(1 + factors)], v => v != 0);
        Assert.All(p[(1 + factors)..], v => Assert.Equal(0f, v));
    }
}
