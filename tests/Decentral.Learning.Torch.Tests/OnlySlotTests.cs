using Decentral.Data;

namespace Decentral.Learning.Torch.Tests;

/// <summary>
/// A node keeps only its share of the training images (<see cref="LearningRequest.OnlySlot"/>)
/// and trains exactly as the same slot does when the process holds the whole set (the simulator).
/// </summary>
public sealed class OnlySlotTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0)]
    public void LeNetShareK_OnlyItsSamplesHeld_TrainsBitForBitLikeSlotKOfTheWholeSet(double alpha)
    {
        var data = new ImageSplit(SyntheticData.Images(240, seed: 4), SyntheticData.Images(40, seed: 5));
        var learning = new LearningOptions { Task = "mnist", Model = "lenet", Alpha = alpha, BatchSize = 8, LocalSteps = 3 };
        var whole = TorchLearning.ForImages(new LearningRequest(learning, Seed: 9, Slots: 6), data);
        const int k = 4;
        var share = TorchLearning.ForImages(new LearningRequest(learning, Seed: 9, Slots: 6) { OnlySlot = k }, data);
        var start = new float[whole.Task.ParameterCount];
        whole.Task.InitialParameters(9, start);
        var a = new float[start.Length];
        var b = new float[start.Length];

        whole.TrainerFor(k).Train(start, a, round: 3);
        share.TrainerFor(k).Train(start, b, round: 3);

        Assert.Equal(whole.TrainerFor(k).LocalSamples, share.TrainerFor(k).LocalSamples);
        Assert.True(share.TrainerFor(k).LocalSamples > 0);
        Assert.Equal(a, b);
        Assert.Equal(0, share.TrainerFor(k - 1).LocalSamples);
        Assert.Equal(whole.Description, share.Description);
    }
}
