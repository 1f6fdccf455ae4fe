namespace Decentral.Learning;

/// <summary>What one round of local training did.</summary>
/// <param name="SamplesUsed">Samples processed (the FedAvg weight of the result).</param>
/// <param name="MeanLoss">Mean training loss over the processed batches.</param>
public readonly record struct TrainOutcome(int SamplesUsed, double MeanLoss);

/// <summary>Result of evaluating a model on held-out data.</summary>
/// <param name="Accuracy">Fraction correct in [0,1] for classification; NaN where it has no meaning.</param>
/// <param name="Loss">Mean loss on the evaluated data.</param>
/// <param name="Rmse">Root mean squared error for regression tasks (ratings); NaN otherwise.</param>
/// <param name="Samples">How many samples were evaluated.</param>
public readonly record struct Evaluation(double Accuracy, double Loss, double Rmse, int Samples);

/// <summary>
/// The learning problem shared by all peers of a run: architecture (layout), initial parameters
/// and evaluation. Implementations: the simulator's modelled logistic regression and the
/// TorchSharp models.
/// </summary>
public interface ILearningTask
{
    /// <summary>Identifies the architecture and parameter order.</summary>
    string LayoutId { get; }

    /// <summary>Number of float parameters.</summary>
    int ParameterCount { get; }

    /// <summary>Writes the deterministic initial parameters for <paramref name="seed"/>.</summary>
    void InitialParameters(int seed, Span<float> destination);

    /// <summary>Evaluates parameters on the task's test set.</summary>
    Evaluation Evaluate(ReadOnlySpan<float> parameters);
}

/// <summary>
/// One peer's local trainer over its own data partition. Not thread-safe: one call at a time
/// per instance; independent instances may run on different threads.
/// </summary>
public interface ILocalTrainer
{
    /// <summary>Number of local training samples this peer holds.</summary>
    int LocalSamples { get; }

    /// <summary>
    /// Trains starting from <paramref name="start"/> and writes the result into
    /// <paramref name="result"/> (same length). <paramref name="round"/> seeds the batch order
    /// together with the trainer's own seed, so the same inputs give the same result.
    /// </summary>
    TrainOutcome Train(ReadOnlySpan<float> start, Span<float> result, long round);
}
