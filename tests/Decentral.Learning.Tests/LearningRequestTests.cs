using Decentral.Baselines;

namespace Decentral.Learning.Tests;

public sealed class LearningRequestTests
{
    [Theory]
    [InlineData("modest", DpsgdTopology.Exponential, 10)]
    [InlineData("fedavg", DpsgdTopology.Exponential, 10)]
    [InlineData("epidemic", DpsgdTopology.Exponential, 11)]
    [InlineData("gossip", DpsgdTopology.Exponential, 2)]
    [InlineData("dpsgd", DpsgdTopology.Exponential, 2)]
    [InlineData("dpsgd", DpsgdTopology.Ring, 3)]
    [InlineData("dpsgd", DpsgdTopology.Regular, 7)]
    public void ModelsAveragedPerStep_IsOwnPlusWhatTheAlgorithmMixesIn(string algorithm, string topology, int expected)
    {
        var dpsgd = new DpsgdOptions { Topology = topology, Degree = 6 };

        Assert.Equal(expected, LearningRequest.ModelsAveragedPerStep(algorithm, sampleSize: 10, dpsgd));
    }

    [Fact]
    public void Create_SameRequestTwice_TrainersProduceTheSameBits()
    {
        var request = new LearningRequest(new LearningOptions { Task = "synthetic", Alpha = 0.3 }, Seed: 5, Slots: 8);
        var first = LearningFactory.Create(request).Setup!;
        var second = LearningFactory.Create(request).Setup!;
        var start = new float[first.Task.ParameterCount];
        first.Task.InitialParameters(request.Seed, start);
        var a = new float[start.Length];
        var b = new float[start.Length];

        first.TrainerFor(3).Train(start, a, round: 4);
        second.TrainerFor(3).Train(start, b, round: 4);

        Assert.Equal(a, b);
        Assert.NotEqual(start, a);
    }
}
