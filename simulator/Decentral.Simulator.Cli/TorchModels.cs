using Decentral.Baselines;
using Decentral.Data;
using Decentral.Data.Partitioning;
using Decentral.Learning.Torch;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli;

/// <summary>
/// The real-learning mode: registers the TorchSharp models with <see cref="LearningFactory.NativeModels"/>
/// ("lenet" on mnist / fashion-mnist, "mf" on movielens). Only this program references TorchSharp;
/// the simulator library stays free of native code. Training is real, but virtual time still comes
/// from the compute model (3 × batch × local steps × ms per sample, scenario.compute), so results do
/// not depend on how busy the machine was. SGD without momentum, as in the MoDeST reference.
/// </summary>
public static class TorchModels
{
    /// <summary>Adds the builders (idempotent).</summary>
    public static void Register()
    {
        LearningFactory.NativeModels["lenet"] = (scenario, root, slots) =>
        {
            var load = new DataCatalog(root).LoadImages(scenario.Learning.Task);
            return load.IsSuccess ? new LearningBuild(ForImages(scenario, load.Value, slots), null) : new LearningBuild(null, load.Error!.Message);
        };
        LearningFactory.NativeModels["mf"] = (scenario, root, slots) =>
        {
            var load = new DataCatalog(root).LoadMovieLens();
            return load.IsSuccess ? new LearningBuild(ForRatings(scenario, load.Value, slots), null) : new LearningBuild(null, load.Error!.Message);
        };
    }

    /// <summary>LeNet-5 on <paramref name="data"/>, split over <paramref name="slots"/> nodes (Dirichlet alpha, or IID when alpha is 0).</summary>
    public static LearningSetup ForImages(Scenario scenario, ImageSplit data, int slots)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(data);
        TorchRuntime.EnsureInitialized();
        var l = scenario.Learning;
        var seed = ModestRun.DeriveSeed(scenario.Seed, "partition");
        var partition = l.Alpha > 0
            ? LabelPartitioner.Dirichlet(data.Train.Labels, data.Train.Classes, slots, l.Alpha, seed)
            : LabelPartitioner.Iid(data.Train.Count, slots, seed);
        var trainers = TorchTrainers.ForImages(data.Train, partition, Sgd(scenario), ModestRun.DeriveSeed(scenario.Seed, "trainer"));
        var task = new ImageClassificationTask(data.Test);
        var summary = PartitionSummary.Create(l.Alpha > 0 ? $"Dirichlet alpha {l.Alpha}" : "IID", partition, data.Train.Labels);
        return new LearningSetup(task, node => trainers[node],
            $"LeNet-5 (TorchSharp, {task.ParameterCount} parameters) on {l.Task} ({data.Train.Count} train / {data.Test.Count} test); {summary.ToText().Trim().Replace("\n", ";", StringComparison.Ordinal)}");
    }

    /// <summary>
    /// Matrix factorisation (20 factors) on MovieLens: with as many nodes as users each node holds
    /// one user's ratings; with fewer, node k holds users k, k + N, k + 2N, ...
    /// Every algorithm averages several models per step, and averaging m sparse per-user updates
    /// leaves each user's own row with 1/m of its update (the model then stays near the mean
    /// predictor); so each trainer scales its update by the m of its algorithm (see
    /// <see cref="ModelsAveragedPerStep"/> and
    /// <see cref="TorchTrainers.ForRatings(RatingsDataset, IReadOnlyList{int[]}, SgdOptions, int, double)"/>)
    /// and the average becomes the sum of the updates, the same rule for all.
    /// </summary>
    public static LearningSetup ForRatings(Scenario scenario, RatingsSplit data, int slots)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(data);
        TorchRuntime.EnsureInitialized();
        var byUser = RatingsSplit.RowsByUser(data.Train);
        var nodes = new int[slots][];
        for (var k = 0; k < slots; k++)
        {
            nodes[k] = [.. Enumerable.Range(0, byUser.Length).Where(u => u % slots == k).SelectMany(u => byUser[u]).Order()];
        }

        var updateScale = ModelsAveragedPerStep(scenario);
        var trainers = TorchTrainers.ForRatings(data.Train, nodes, Sgd(scenario), ModestRun.DeriveSeed(scenario.Seed, "trainer"), updateScale);
        var task = new RatingsTask(data.Test, TorchTrainers.MeanRating(data.Train));
        var split = slots >= byUser.Length ? "one user per node" : $"{byUser.Length} users round-robin over {slots} nodes";
        return new LearningSetup(task, node => trainers[node],
            $"matrix factorisation (TorchSharp, {task.ParameterCount} parameters) on movielens ({data.Train.Count} train / {data.Test.Count} test ratings, {split}, update scale {updateScale})");
    }

    /// <summary>
    /// How many models the scenario's algorithm averages in one step: s for MoDeST and FedAvg (a
    /// round's trainers), own + in-neighbours for D-PSGD (2 on the one-peer exponential graph, 3 on
    /// the ring, degree + 1 on a k-regular graph), own + up to s received for Epidemic Learning, and
    /// 2 for Gossip Learning's pairwise merge.
    /// </summary>
    public static int ModelsAveragedPerStep(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var s = Math.Max(1, scenario.Protocol.SampleSize);
        return scenario.Algorithm switch
        {
            "modest" or "fedavg" => s,
            "epidemic" => s + 1,
            "gossip" => 2,
            "dpsgd" => scenario.Baselines.Dpsgd.Topology switch
            {
                DpsgdTopology.Ring => 3,
                DpsgdTopology.Regular => scenario.Baselines.Dpsgd.Degree + 1,
                _ => 2,
            },
            _ => 1,
        };
    }

    private static SgdOptions Sgd(Scenario scenario) => new()
    {
        LearningRate = scenario.Learning.LearningRate,
        Momentum = 0,
        BatchSize = scenario.Learning.BatchSize,
        LocalSteps = scenario.Learning.LocalSteps,
    };
}
