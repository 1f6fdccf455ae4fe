using Decentral.Data;
using Decentral.Learning.Torch;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;
using Xunit.Abstractions;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>End to end: a MoDeST simulation whose nodes train LeNet-5 with TorchSharp.</summary>
public sealed class RealLearningTests(ITestOutputHelper output)
{
    [Fact]
    public void ModestWithLeNet_GeneratedImages_AccuracyRisesWellAboveChance()
    {
        var scenario = new Scenario
        {
            Name = "lenet-e2e",
            Nodes = 8,
            Stop = new StopSection { Rounds = 25 },
            Protocol = { SampleSize = 4 },
            Learning = { Task = "mnist", Model = "lenet", Alpha = 0, LearningRate = 0.1, BatchSize = 16, LocalSteps = 5, EvalEveryRounds = 8 },
        };
        Assert.Empty(ScenarioLoader.Validate(scenario));
        var data = new ImageSplit(BarImages(800, seed: 1), BarImages(300, seed: 2));

        var setup = TorchLearning.ForImages(ScenarioLearning.Request(scenario), data);
        var summary = new ModestRun(scenario, setup).Run();

        output.WriteLine(summary.Describe());
        Assert.True(summary.ReachedTargetRounds);
        Assert.InRange(summary.Initial.Accuracy, 0.0, 0.3);
        Assert.True(summary.Final.Accuracy > 0.6, $"final accuracy {summary.Final.Accuracy}");
    }

    // Class c is a bright horizontal bar at row 2 + 2c on dim noise: learnable in a few dozen steps.
    private static ImageDataset BarImages(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[count * 28 * 28];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var label = random.Next(10);
            labels[i] = (byte)label;
            var image = pixels.AsSpan(i * 28 * 28, 28 * 28);
            for (var p = 0; p < image.Length; p++)
            {
                image[p] = (float)(random.NextDouble() * 0.3);
            }

            image.Slice(((2 + (2 * label)) * 28) + 4, 20).Fill(1f);
        }

        return new ImageDataset("bars", 28, 28, 10, pixels, labels);
    }
}
