namespace Decentral.Learning;

/// <summary>
/// The modelled learning task: softmax regression on a (synthetic) classification dataset,
/// evaluated on its held-out test set. Real learning at a tiny cost, so simulated accuracy
/// curves mean something without TorchSharp.
/// </summary>
public sealed class SoftmaxRegressionTask : ILearningTask
{
    private readonly ClassificationDataset _test;

    /// <summary>Creates the task for data of <paramref name="test"/>'s shape.</summary>
    public SoftmaxRegressionTask(ClassificationDataset test)
    {
        ArgumentNullException.ThrowIfNull(test);
        _test = test;
        LayoutId = $"softmax-regression/d{test.Features}/c{test.Classes}";
        ParameterCount = SoftmaxRegression.ParameterCount(test.Features, test.Classes);
    }

    /// <inheritdoc />
    public string LayoutId { get; }

    /// <inheritdoc />
    public int ParameterCount { get; }

    /// <inheritdoc />
    public void InitialParameters(int seed, Span<float> destination)
    {
        if (destination.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {destination.Length}.", nameof(destination));
        }

        // Small random weights break the symmetry between classes; biases start at zero.
        var random = new Random(seed);
        int weights = _test.Features * _test.Classes;
        for (int i = 0; i < weights; i++)
        {
            destination[i] = (float)(0.01 * RandomDraws.StandardNormal(random));
        }

        destination[weights..].Clear();
    }

    /// <inheritdoc />
    public Evaluation Evaluate(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        }

        Span<float> probabilities = stackalloc float[_test.Classes];
        int correct = 0;
        double loss = 0;
        for (int s = 0; s < _test.Count; s++)
        {
            int label = _test.Y[s];
            loss += SoftmaxRegression.Forward(parameters, _test.Sample(s), label, probabilities);
            int best = 0;
            for (int c = 1; c < probabilities.Length; c++)
            {
                best = probabilities[c] > probabilities[best] ? c : best;
            }

            correct += best == label ? 1 : 0;
        }

        return new Evaluation(correct / (double)_test.Count, loss / _test.Count, double.NaN, _test.Count);
    }
}
