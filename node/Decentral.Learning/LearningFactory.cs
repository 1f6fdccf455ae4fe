using Decentral.Baselines;
using Decentral.Data;

namespace Decentral.Learning;

/// <summary>
/// What a run learns, as both drivers ask for it: the learning options, the run seed (the
/// partition, each trainer's batch order, the synthetic data and the initial model derive from
/// it) and the number of node slots the training data is split over.
/// </summary>
/// <param name="Learning">The learning options.</param>
/// <param name="Seed">The run seed.</param>
/// <param name="Slots">Node slots that hold a share of the training data.</param>
public sealed record LearningRequest(LearningOptions Learning, int Seed, int Slots)
{
    /// <summary>
    /// Factor applied to each trainer's local update of a sparse model (matrix factorisation):
    /// the number of models the algorithm averages per step (see <see cref="ModelsAveragedPerStep"/>).
    /// Default 1 (the trained parameters unchanged).
    /// </summary>
    public double UpdateScale { get; init; } = 1;

    /// <summary>The data folder; null for <see cref="DataCatalog.DefaultRoot"/>.</summary>
    public string? DataRoot { get; init; }

    /// <summary>
    /// Node slots whose trainers see their samples with flipped labels (the label-flipping attack,
    /// <see cref="LabelFlipping"/>; classification tasks only). Default none.
    /// </summary>
    public IReadOnlySet<int> FlippedLabelSlots { get; init; } = new HashSet<int>();

    /// <summary>
    /// A folder of the user's own images in the task's IDX format (train-images-idx3-ubyte and
    /// train-labels-idx1-ubyte, optionally gzipped; t10k-* for evaluation) to train on instead of
    /// the fetched dataset; null (the default) uses the dataset in <see cref="DataRoot"/>.
    /// </summary>
    public string? ImageFolder { get; init; }

    /// <summary>
    /// The one slot this process trains (a node): once the data is partitioned, the other slots'
    /// training samples are dropped, so the process holds its share instead of the whole dataset
    /// (the share's trainer trains exactly as it would over the whole one). The other slots'
    /// trainers then hold no samples. Null (the simulator, the default): every slot.
    /// </summary>
    public int? OnlySlot { get; init; }

    /// <summary>Loads the request's images: the user's folder when set, else the fetched dataset of the task.</summary>
    public DataResult<ImageSplit> LoadImages(string root) =>
        ImageFolder is { } folder ? DataCatalog.LoadImageFolder(folder) : new DataCatalog(root).LoadImages(Learning.Task);

    /// <summary>
    /// How many models an algorithm averages in one step: s for MoDeST and FedAvg (a round's
    /// trainers), own + in-neighbours for D-PSGD (2 on the one-peer exponential graph, 3 on the
    /// ring, degree + 1 on a k-regular graph), own + up to s received for Epidemic Learning, and 2
    /// for Gossip Learning's pairwise merge.
    /// </summary>
    public static int ModelsAveragedPerStep(string algorithm, int sampleSize, DpsgdOptions dpsgd)
    {
        ArgumentNullException.ThrowIfNull(dpsgd);
        var s = Math.Max(1, sampleSize);
        return algorithm switch
        {
            "modest" or "fedavg" => s,
            "epidemic" => s + 1,
            "gossip" => 2,
            "dpsgd" => dpsgd.Topology switch
            {
                DpsgdTopology.Ring => 3,
                DpsgdTopology.Regular => dpsgd.Degree + 1,
                _ => 2,
            },
            _ => 1,
        };
    }
}

/// <summary>The learning setup of a request, or why it cannot be built (e.g. data not fetched).</summary>
/// <param name="Setup">The setup when it could be built.</param>
/// <param name="Error">What went wrong, with what to do about it.</param>
public sealed record LearningBuild(LearningSetup? Setup, string? Error)
{
    /// <summary>True when <see cref="Setup"/> is there.</summary>
    public bool Ok => Setup is not null;
}

/// <summary>
/// Builds the learning side of a run, the same way for the simulator and the node, so a node
/// given partition index k of N trains on exactly the samples simulated node k holds. Softmax
/// regression runs in-process on the synthetic task and on the real image datasets (MNIST,
/// Fashion-MNIST: real data, cheap model). Models that need TorchSharp (lenet, mf) are built by a
/// factory registered in <see cref="NativeModels"/> (Decentral.Learning.Torch's
/// <c>TorchLearning.Register</c>), so this library stays free of native code.
/// </summary>
public static class LearningFactory
{
    /// <summary>Builders for models implemented outside this library, keyed by model name ("lenet", "mf").</summary>
    public static Dictionary<string, Func<LearningRequest, string, LearningBuild>> NativeModels { get; } = [];

    /// <summary>The seed of the data partition of a run seed.</summary>
    public static int PartitionSeed(int seed) => Seeds.Derive(seed, "partition", 0);

    /// <summary>The seed of the trainers of a run seed (node k's trainer derives its own from it).</summary>
    public static int TrainerSeed(int seed, int node = 0) => Seeds.Derive(seed, "trainer", node);

    /// <summary>Builds the setup of <paramref name="request"/>.</summary>
    public static LearningBuild Create(LearningRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Slots, 1, nameof(request));
        if (request.OnlySlot is { } onlySlot)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)onlySlot, (uint)request.Slots, nameof(request));
        }
        var l = request.Learning;
        var slots = request.Slots;
        var root = request.DataRoot ?? DataCatalog.DefaultRoot();
        if (l.Model != "softmax")
        {
            return NativeModels.TryGetValue(l.Model, out var build)
                ? build(request, root)
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
                Seed = Seeds.Derive(request.Seed, "synthetic-data", 0),
            });
        }
        else
        {
            var load = request.LoadImages(root);
            if (!load.IsSuccess)
            {
                return new LearningBuild(null, load.Error!.Message);
            }

            train = ToClassification(load.Value.Train);
            test = ToClassification(load.Value.Test);
        }

        var partitionSeed = PartitionSeed(request.Seed);
        var partition = l.Alpha > 0
            ? DataPartition.Dirichlet(train, slots, l.Alpha, partitionSeed)
            : DataPartition.Iid(train.Count, slots, partitionSeed);
        var options = new LocalTrainingOptions { BatchSize = l.BatchSize, LocalSteps = l.LocalSteps, LearningRate = (float)l.LearningRate };
        var task = new SoftmaxRegressionTask(test);
        var split = l.Alpha > 0 ? $"Dirichlet alpha {l.Alpha}" : "IID";
        var trainCount = train.Count;
        if (request.OnlySlot is { } only)
        {
            train = train.Subset(partition.SamplesOf(only));
            partition = DataPartition.OnlyNode(slots, only, train.Count);
        }

        var flipped = request.FlippedLabelSlots.Count > 0 ? LabelFlipping.Flipped(train) : train;
        return new LearningBuild(
            new LearningSetup(
                task,
                node => new SoftmaxRegressionTrainer(request.FlippedLabelSlots.Contains(node) ? flipped : train, partition, node, options, TrainerSeed(request.Seed, node)),
                $"softmax regression on {l.Task} ({trainCount} train / {test.Count} test samples, {train.Features} features, {split} over {slots} nodes){FlippedNote(request)}"),
            null);
    }

    /// <summary>The description's note on label-flipping trainers ("" when there are none).</summary>
    public static string FlippedNote(LearningRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.FlippedLabelSlots.Count == 0 ? "" : $"; {request.FlippedLabelSlots.Count} nodes train on flipped labels";
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
