namespace Decentral.Learning;

/// <summary>
/// What is learned and how each peer trains: the `learning` section of a simulation scenario and,
/// with the node's partition settings, of a node's configuration. Defaults are documented on each
/// property and in the README.
/// </summary>
public sealed class LearningOptions
{
    /// <summary>
    /// "synthetic" (softmax regression on generated Gaussian clusters, fast) or a real dataset
    /// handled by the real-learning mode. Default "synthetic".
    /// </summary>
    public string Task { get; set; } = "synthetic";

    /// <summary>
    /// "softmax" (multinomial logistic regression on the raw features: cheap, no native code),
    /// "lenet" (LeNet-5 CNN, TorchSharp, image tasks) or "mf" (matrix factorisation, movielens).
    /// Default "softmax".
    /// </summary>
    public string Model { get; set; } = "softmax";

    /// <summary>Feature dimensions of the synthetic task. Default 32.</summary>
    public int Dimensions { get; set; } = 32;

    /// <summary>Classes of the synthetic task. Default 10.</summary>
    public int Classes { get; set; } = 10;

    /// <summary>Training samples per node (synthetic task). Default 200.</summary>
    public int SamplesPerNode { get; set; } = 200;

    /// <summary>Test samples (synthetic task). Default 2000.</summary>
    public int TestSamples { get; set; } = 2000;

    /// <summary>Dirichlet alpha of the label skew across nodes (smaller = more non-IID; 0 = IID). Default 0.5.</summary>
    public double Alpha { get; set; } = 0.5;

    /// <summary>SGD learning rate. Default 0.1.</summary>
    public double LearningRate { get; set; } = 0.1;

    /// <summary>Batch size. Default 20.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>Local SGD steps per round. Default 5.</summary>
    public int LocalSteps { get; set; } = 5;

    /// <summary>Evaluate the aggregated model every this many rounds. Default 5.</summary>
    public int EvalEveryRounds { get; set; } = 5;

    /// <summary>
    /// D-PSGD, Epidemic and Gossip Learning (no global model): an evaluation row reports the mean
    /// over the current models of up to this many online nodes, a fixed seeded random subset (at
    /// least as many as the nodes = all of them). MoDeST and FedAvg evaluate their aggregate and
    /// ignore it. Default 10.
    /// </summary>
    public int EvalNodes { get; set; } = 10;
}
