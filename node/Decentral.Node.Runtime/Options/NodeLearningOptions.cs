using Decentral.Learning;

namespace Decentral.Node.Runtime.Options;

/// <summary>
/// The `learning` section: what this node trains on and how. The task, model and SGD settings
/// mean what they mean in a simulation scenario (<see cref="LearningOptions"/>); the partition
/// picks this node's share of the data with the simulator's partitioner, so node k of N trains on
/// exactly the samples simulated node k holds for the same seed and alpha.
/// </summary>
public sealed class NodeLearningOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "learning";

    /// <summary>"synthetic", "mnist", "fashion-mnist" or "movielens". Default "mnist".</summary>
    public string Task { get; set; } = "mnist";

    /// <summary>"softmax", "lenet" (image tasks) or "mf" (movielens). Default "softmax".</summary>
    public string Model { get; set; } = "softmax";

    /// <summary>SGD learning rate. Default 0.1.</summary>
    public double LearningRate { get; set; } = 0.1;

    /// <summary>Batch size. Default 20.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>Local SGD steps per round. Default 5.</summary>
    public int LocalSteps { get; set; } = 5;

    /// <summary>Synthetic task: feature dimensions. Default 32.</summary>
    public int Dimensions { get; set; } = 32;

    /// <summary>Synthetic task: classes. Default 10.</summary>
    public int Classes { get; set; } = 10;

    /// <summary>Synthetic task: training samples per node. Default 200.</summary>
    public int SamplesPerNode { get; set; } = 200;

    /// <summary>Synthetic task: test samples. Default 2000.</summary>
    public int TestSamples { get; set; } = 2000;

    /// <summary>Evaluate on the task's test set (aggregates this node made). Default true.</summary>
    public bool Evaluate { get; set; } = true;

    /// <summary>Evaluate every this many rounds (and the first aggregate). Default 5.</summary>
    public int EvalEveryRounds { get; set; } = 5;

    /// <summary>The data folder of fetched datasets; null (the default): $DECENTRAL_DATA or ./data.</summary>
    public string? DataRoot { get; set; }

    /// <summary>
    /// A folder of the user's own data in the task's format (for image tasks: IDX files
    /// train-images-idx3-ubyte and train-labels-idx1-ubyte, optionally gzipped, plus t10k-* for
    /// evaluation). When set, the node trains on all of it and the partition is not used.
    /// Default null.
    /// </summary>
    public string? DataFolder { get; set; }

    /// <summary>This node's share of the data.</summary>
    public PartitionOptions Partition { get; set; } = new();

    /// <summary>The shared learning options these settings stand for.</summary>
    public LearningOptions ToShared() => new()
    {
        Task = Task,
        Model = Model,
        Alpha = Partition.Alpha,
        LearningRate = LearningRate,
        BatchSize = BatchSize,
        LocalSteps = LocalSteps,
        EvalEveryRounds = EvalEveryRounds,
        Dimensions = Dimensions,
        Classes = Classes,
        SamplesPerNode = SamplesPerNode,
        TestSamples = TestSamples,
    };
}

/// <summary>The `learning:partition` section: which share of the data set this node holds.</summary>
public sealed class PartitionOptions
{
    /// <summary>This node's index, 0 to <see cref="Count"/> - 1. Default 0.</summary>
    public int Index { get; set; }

    /// <summary>How many shares the data is split into (the number of nodes). Default 1.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Dirichlet alpha of the label skew across shares (smaller = more non-IID; 0 = IID). Default 0.5.</summary>
    public double Alpha { get; set; } = 0.5;

    /// <summary>
    /// The run seed, the same on every node of a session: the split, each trainer's batch order and
    /// the initial model derive from it exactly as in a simulation with this seed. Default 1.
    /// </summary>
    public int Seed { get; set; } = 1;
}
