using Decentral.Data;
using Decentral.Data.Partitioning;

namespace Decentral.Learning.Torch;

/// <summary>
/// Registers the TorchSharp models with <see cref="LearningFactory.NativeModels"/> ("lenet" on
/// mnist / fashion-mnist, "mf" on movielens), for the programs that include native code (the
/// simulator CLI, the node); the learning and simulator libraries stay free of it. SGD without
/// momentum, as in the MoDeST reference.
/// </summary>
public static class TorchLearning
{
    /// <summary>Adds the builders (idempotent).</summary>
    public static void Register()
    {
        LearningFactory.NativeModels["lenet"] = (request, root) =>
        {
            var load = request.LoadImages(root);
            return load.IsSuccess ? new LearningBuild(ForImages(request, load.Value), null) : new LearningBuild(null, load.Error!.Message);
        };
        LearningFactory.NativeModels["mf"] = (request, root) =>
        {
            var load = new DataCatalog(root).LoadMovieLens();
            return load.IsSuccess ? new LearningBuild(ForRatings(request, load.Value), null) : new LearningBuild(null, load.Error!.Message);
        };
    }

    /// <summary>LeNet-5 on <paramref name="data"/>, split over the request's slots (Dirichlet alpha, or IID when alpha is 0).</summary>
    public static LearningSetup ForImages(LearningRequest request, ImageSplit data)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(data);
        TorchRuntime.EnsureInitialized();
        var l = request.Learning;
        var slots = request.Slots;
        var seed = LearningFactory.PartitionSeed(request.Seed);
        var partition = l.Alpha > 0
            ? LabelPartitioner.Dirichlet(data.Train.Labels, data.Train.Classes, slots, l.Alpha, seed)
            : LabelPartitioner.Iid(data.Train.Count, slots, seed);
        var train = data.Train;
        var shares = TorchTrainers.Indices(partition, train.Count);
        if (request.OnlySlot is { } only)
        {
            // A node: its share alone, in the share's order, so its trainer trains as over the whole set.
            train = train.Subset(shares[only]);
            shares = [.. shares.Select((_, k) => k == only ? [.. Enumerable.Range(0, train.Count)] : Array.Empty<int>())];
        }

        var trainers = TorchTrainers.ForImages(train, shares, Sgd(l), LearningFactory.TrainerSeed(request.Seed));
        // Label flipping: the same trainers over the same samples with flipped labels (pixels shared).
        var flipped = request.FlippedLabelSlots.Count > 0
            ? TorchTrainers.ForImages(LabelFlipping.Flipped(train), shares, Sgd(l), LearningFactory.TrainerSeed(request.Seed))
            : trainers;
        var task = new ImageClassificationTask(data.Test);
        var summary = PartitionSummary.Create(l.Alpha > 0 ? $"Dirichlet alpha {l.Alpha}" : "IID", partition, data.Train.Labels);
        return new LearningSetup(task, node => request.FlippedLabelSlots.Contains(node) ? flipped[node] : trainers[node],
            $"LeNet-5 (TorchSharp, {task.ParameterCount} parameters) on {l.Task} ({data.Train.Count} train / {data.Test.Count} test); {summary.ToText().Trim().Replace("\n", ";", StringComparison.Ordinal)}{LearningFactory.FlippedNote(request)}");
    }

    /// <summary>
    /// Matrix factorisation (20 factors) on MovieLens: with as many nodes as users each node holds
    /// one user's ratings; with fewer, node k holds users k, k + N, k + 2N, ...
    /// Every algorithm averages several models per step, and averaging m sparse per-user updates
    /// leaves each user's own row with 1/m of its update (the model then stays near the mean
    /// predictor); so each trainer scales its update by the m of its algorithm (see
    /// <see cref="LearningRequest.ModelsAveragedPerStep"/> and
    /// <see cref="TorchTrainers.ForRatings(RatingsDataset, IReadOnlyList{int[]}, SgdOptions, int, double)"/>)
    /// and the average becomes the sum of the updates, the same rule for all.
    /// </summary>
    public static LearningSetup ForRatings(LearningRequest request, RatingsSplit data)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(data);
        TorchRuntime.EnsureInitialized();
        var slots = request.Slots;
        var byUser = RatingsSplit.RowsByUser(data.Train);
        var nodes = new int[slots][];
        for (var k = 0; k < slots; k++)
        {
            nodes[k] = [.. Enumerable.Range(0, byUser.Length).Where(u => u % slots == k).SelectMany(u => byUser[u]).Order()];
        }

        var updateScale = request.UpdateScale;
        var trainers = TorchTrainers.ForRatings(data.Train, nodes, Sgd(request.Learning), LearningFactory.TrainerSeed(request.Seed), updateScale);
        var task = new RatingsTask(data.Test, TorchTrainers.MeanRating(data.Train));
        var split = slots >= byUser.Length ? "one user per node" : $"{byUser.Length} users round-robin over {slots} nodes";
        return new LearningSetup(task, node => trainers[node],
            $"matrix factorisation (TorchSharp, {task.ParameterCount} parameters) on movielens ({data.Train.Count} train / {data.Test.Count} test ratings, {split}, update scale {updateScale})");
    }

    private static SgdOptions Sgd(LearningOptions learning) => new()
    {
        LearningRate = learning.LearningRate,
        Momentum = 0,
        BatchSize = learning.BatchSize,
        LocalSteps = learning.LocalSteps,
    };
}
