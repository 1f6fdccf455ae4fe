namespace Decentral.Learning.Torch;

/// <summary>
/// Local SGD settings shared by every trainer of a run. The defaults suit LeNet-5 on
/// MNIST-like data; matrix factorisation usually wants its own learning rate.
/// </summary>
public sealed class SgdOptions
{
    /// <summary>Step size. Default 0.05.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Momentum factor in [0,1); 0 is plain SGD. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Samples per step; a node with fewer samples uses all of them. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>SGD steps (batches) per call to Train. Default 10.</summary>
    public int LocalSteps { get; init; } = 10;

    /// <summary>Throws when a value is outside its documented range.</summary>
    public SgdOptions Validate()
    {
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be finite and positive.");
        }

        if (!double.IsFinite(Momentum) || Momentum < 0 || Momentum >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Must be in [0,1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LocalSteps);
        return this;
    }
}
