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
    public void Train_Centrally_BeatsTheMeanPredictorClearly()
    {
        var (train, test) = Split(SyntheticData.Ratings(users: 30, items: 40, perUser: 40, seed: 6));
        float mean = TorchTrainers.MeanRating(train);
        double meanRmse = Math.Sqrt(test.Ratings.Average(r => (double)(r - mean) * (r - mean)));
        var options = new SgdOptions { LearningRate = 0.1, Momentum = 0, BatchSize = 32, LocalSteps = 600 };
        using var task = new RatingsTask(test, mean);
        using var trainers = TorchTrainers.ForRatings(train, [Enumerable.Range(0, train.Count).ToArray()], options, seed: 7);
        var start = new float[task.ParameterCount];
        task.InitialParameters(8, start);
        var trained = new float[start.Length];

        trainers[0].Train(start, trained, round: 0);

        double rmse = task.Evaluate(trained).Rmse;
        Assert.True(rmse < meanRmse * 0.5, $"mean predictor {meanRmse}, trained {rmse}");
    }

    [Fact]
    public void Train_KeepsTheGlobalBiasFixed()
    {
        var ratings = SyntheticData.Ratings(users: 5, items: 8, perUser: 10, seed: 9);
        using var task = new RatingsTask(ratings, initialBias: 1f);
        using var trainers = TorchTrainers.ForRatings(ratings, [Enumerable.Range(0, ratings.Count).ToArray()], new SgdOptions { Momentum = 0 }, seed: 1);
        var start = new float[task.ParameterCount];
        task.InitialParameters(2, start);
        var trained = new float[start.Length];

        trainers[0].Train(start, trained, round: 0);

        Assert.Equal(1f, trained[0]);
        Assert.Contains(Enumerable.Range(1, trained.Length - 1), k => trained[k] != start[k]);
    }

    [Fact]
    public void Train_WithUpdateScale_ScalesTheLocalUpdate()
    {
        var ratings = SyntheticData.Ratings(users: 6, items: 9, perUser: 12, seed: 10);
        var perUser = Enumerable.Range(0, ratings.UserCount)
            .Select(u => Enumerable.Range(0, ratings.Count).Where(i => ratings.Users[i] == u).ToArray()).ToArray();
        var options = new SgdOptions { LearningRate = 0.05, Momentum = 0, BatchSize = 4, LocalSteps = 3 };
        using var task = new RatingsTask(ratings, initialBias: 3.5f);
        using var plain = TorchTrainers.ForRatings(ratings, perUser, options, seed: 3);
        using var scaled = TorchTrainers.ForRatings(ratings, perUser, options, seed: 3, updateScale: 10);
        var start = new float[task.ParameterCount];
        task.InitialParameters(4, start);
        var a = new float[start.Length];
        var b = new float[start.Length];

        plain[2].Train(start, a, round: 5);
        scaled[2].Train(start, b, round: 5);

        Assert.Contains(Enumerable.Range(0, a.Length), k => a[k] != start[k]);
        for (int k = 0; k < a.Length; k++)
        {
            Assert.Equal(start[k] + (10 * (a[k] - start[k])), b[k], 1e-4f);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => TorchTrainers.ForRatings(ratings, perUser, options, seed: 3, updateScale: 0.5));
    }

    // Every fifth rating to the test set.
    private static (Decentral.Data.RatingsDataset Train, Decentral.Data.RatingsDataset Test) Split(Decentral.Data.RatingsDataset all) =>
        (all.Subset(Enumerable.Range(0, all.Count).Where(i => i % 5 != 0).ToArray()),
         all.Subset(Enumerable.Range(0, all.Count).Where(i => i % 5 == 0).ToArray()));

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
