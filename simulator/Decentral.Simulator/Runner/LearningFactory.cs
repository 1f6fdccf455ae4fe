using Decentral.Data;
using Decentral.Simulator.Learning;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Runner;

/// <summary>The learning setup for a scenario, or why it cannot be built (e.g. data not fetched).</summary>
/// <param name="Setup">The setup when it could be built.</param>
/// <param name="Error">What went wrong, with what to do about it.</param>
public sealed record LearningBuild(LearningSetup? Setup, string? Error)
{
    /// <summary>True when <see cref="Setup"/> is there.</summary>
    public bool Ok => Setup is not null;
}

/// <summary>
/// Builds the learning side of a scenario. Softmax regression runs in-process on the synthetic
/// task and on the real image datasets (MNIST, Fashion-MNIST: real data, cheap model). Models that
/// need TorchSharp (lenet, mf) are built by a factory the caller registers in
/// <see cref="NativeModels"/> (the CLI does), so this library stays free of native code.
/// </summary>
public static class LearningFactory
{
    /// <summary>
    /// Builders for models implemented outside this library, keyed by model name ("lenet", "mf").
    /// Each gets the scenario, the data root and the number of node slots.
    /// </summary>
    public static Dictionary<string, Func<Scenario, string, int, LearningBuild>> NativeModels { get; } = [];

    /// <summary>Builds the setup; <paramref name="dataRoot"/> defaults to ./data (or $DECENTRAL_DATA).</summary>
    public static LearningBuild Create(Scenario scenario, string? dataRoot = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var l = scenario.Learning;
        var slots = scenario.Nodes + scenario.Churn.Where(c => c.Kind == ChurnKind.Join).Sum(c => c.Total ?? c.Count);
        var root = dataRoot ?? DataCatalog.DefaultRoot();
        if (l.Model != "softmax")
        {
            return NativeModels.TryGetValue(l.Model, out var build)
                ? build(scenario, root, slots)
                : new LearningBuild(null, $"learning.model '{l.Model}' needs the TorchSharp models, which this program does not include.");
        }

        ClassificationDataset train, test;
        if (l.Task == "synthetic")
        {
            (train, test) = SyntheticClassification.Generate(new SyntheticClassificationOptions
            {
                Features = l.Dimensions,
                Classes = l.Classes,
                TrainSamples = checked(l.SamplesPerNode * slots),
                TestSamples = l.TestSamples,
                Seed = ModestRun.DeriveSeed(scenario.Seed, "synthetic-data"),
            });
        }
        else
        {
            var load = new DataCatalog(root).LoadImages(l.Task);
            if (!load.IsSuccess)
            {
                return new LearningBuild(null, load.Error!.Message);
            }

            train = ToClassification(load.Value.Train);
            test = ToClassification(load.Value.Test);
        }

        var partitionSeed = ModestRun.DeriveSeed(scenario.Seed, "partition");
        var partition = l.Alpha > 0
            ? DataPartition.Dirichlet(train, slots, l.Alpha, partitionSeed)
            : DataPartition.Iid(train.Count, slots, partitionSeed);
        var options = new LocalTrainingOptions { BatchSize = l.BatchSize, LocalSteps = l.LocalSteps, LearningRate = (float)l.LearningRate };
        var task = new SoftmaxRegressionTask(test);
        var split = l.Alpha > 0 ? $"Dirichlet alpha {l.Alpha}" : "IID";
        return new LearningBuild(
            new LearningSetup(
                task,
                node => new SoftmaxRegressionTrainer(train, partition, node, options, ModestRun.DeriveSeed(scenario.Seed, "trainer", node)),
                $"softmax regression on {l.Task} ({train.Count} train / {test.Count} test samples, {train.Features} features, {split} over {slots} nodes)"),
            null);
    }

    // Shares the pixel array: no copy of the images.
    private static ClassificationDataset ToClassification(ImageDataset images)
    {
        var labels = new int[images.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = images.Labels[i];
        }

        return new ClassificationDataset(images.Height * images.Width, images.Classes, images.Pixels, labels);
    }
}
