using Decentral.Data;

namespace Decentral.Learning.Torch.Tests;

public sealed class ImageTrainingTests
{
    private static readonly SgdOptions Options = new() { LearningRate = 0.05, Momentum = 0.9, BatchSize = 16, LocalSteps = 15 };

    [Fact]
    public void Task_LeNetOn28x28With10Classes_Has61706Parameters()
    {
        using var task = new ImageClassificationTask(SyntheticData.Images(10, 1));

        Assert.Equal(61_706, task.ParameterCount);
        Assert.Equal("lenet5/28x28x1/c10/v1", task.LayoutId);
    }

    [Fact]
    public void Train_FewRoundsOnGeneratedImages_LossFallsAndAccuracyBeatsChance()
    {
        var train = SyntheticData.Images(400, 2);
        using var task = new ImageClassificationTask(SyntheticData.Images(200, 3));
        using var trainers = TorchTrainers.ForImages(train, [Enumerable.Range(0, train.Count).ToArray()], Options, seed: 7);
        var model = new float[task.ParameterCount];
        task.InitialParameters(11, model);
        var before = task.Evaluate(model);

        var first = trainers[0].Train(model, model, round: 0);
        TrainOutcome last = first;
        for (int round = 1; round < 6; round++)
        {
            last = trainers[0].Train(model, model, round);
        }

        var after = task.Evaluate(model);
        Assert.Equal(trainers.LayoutId, task.LayoutId);
        Assert.Equal(Options.BatchSize * Options.LocalSteps, last.SamplesUsed);
        Assert.True(last.MeanLoss < first.MeanLoss * 0.5, $"training loss {first.MeanLoss} -> {last.MeanLoss}");
        Assert.True(after.Loss < before.Loss, $"test loss {before.Loss} -> {after.Loss}");
        Assert.True(after.Accuracy > 0.5, $"accuracy {after.Accuracy}");
        Assert.Equal(200, after.Samples);
    }

    [Fact]
    public void Train_SameSeedAndRound_GivesBitIdenticalParametersAcrossTrainerSets()
    {
        var train = SyntheticData.Images(120, 4);
        var partition = SyntheticData.Blocks(train.Count, 3);
        using var task = new ImageClassificationTask(train);
        var start = new float[task.ParameterCount];
        task.InitialParameters(5, start);

        float[] first = TrainOnce(train, partition, start, seed: 9, node: 1, round: 3);
        float[] second = TrainOnce(train, partition, start, seed: 9, node: 1, round: 3);
        float[] otherRound = TrainOnce(train, partition, start, seed: 9, node: 1, round: 4);

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherRound);
    }

    [Fact]
    public async Task Train_OnTwoThreadsAtOnce_MatchesSequentialResults()
    {
        var train = SyntheticData.Images(120, 5);
        var partition = SyntheticData.Blocks(train.Count, 2);
        using var task = new ImageClassificationTask(train);
        var start = new float[task.ParameterCount];
        task.InitialParameters(6, start);
        float[][] sequential = [TrainOnce(train, partition, start, 3, 0, 1), TrainOnce(train, partition, start, 3, 1, 1)];

        using var trainers = TorchTrainers.ForImages(train, partition, Options, seed: 3);
        var parallel = await Task.WhenAll(Enumerable.Range(0, 2).Select(node => Task.Factory.StartNew(
            () =>
            {
                var result = new float[start.Length];
                trainers[node].Train(start, result, 1);
                return result;
            },
            TaskCreationOptions.LongRunning)));

        Assert.Equal(sequential[0], parallel[0]);
        Assert.Equal(sequential[1], parallel[1]);
    }

    [Fact]
    public void InitialParameters_DependOnlyOnSeed()
    {
        using var task = new ImageClassificationTask(SyntheticData.Images(10, 1));
        var a = new float[task.ParameterCount];
        var b = new float[task.ParameterCount];
        var c = new float[task.ParameterCount];

        task.InitialParameters(42, a);
        task.InitialParameters(42, b);
        task.InitialParameters(43, c);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // conv1 weights: fan-in 25, so PyTorch's default bound is 1/5.
        Assert.All(a[..150], w => Assert.InRange(w, -0.2f, 0.2f));
    }

    [Fact]
    public void Train_EmptyPartition_ReturnsStartUnchanged()
    {
        var train = SyntheticData.Images(10, 1);
        using var trainers = TorchTrainers.ForImages(train, [[]], Options, seed: 1);
        var start = Enumerable.Range(0, 61_706).Select(i => i * 1e-5f).ToArray();
        var result = new float[start.Length];

        var outcome = trainers[0].Train(start, result, 0);

        Assert.Equal(0, outcome.SamplesUsed);
        Assert.Equal(start, result);
    }

    private static float[] TrainOnce(ImageDataset train, int[][] partition, float[] start, int seed, int node, long round)
    {
        using var trainers = TorchTrainers.ForImages(train, partition, Options, seed);
        var result = new float[start.Length];
        trainers[node].Train(start, result, round);
        return result;
    }
}
