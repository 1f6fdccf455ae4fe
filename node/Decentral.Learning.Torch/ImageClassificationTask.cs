using Decentral.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Image classification with LeNet-5 (<see cref="ILearningTask"/>): layout, seeded initial
/// parameters, and accuracy and mean cross-entropy on a held-out set. Thread-safe; evaluations
/// are serialised. Dispose to free the native model.
/// </summary>
public sealed class ImageClassificationTask : ILearningTask, IDisposable
{
    private readonly ImageDataset test;
    private readonly long[] labels;
    private readonly int batchSize;
    private readonly ExclusiveModel<LeNet5> model;

    /// <summary>Creates the task for <paramref name="test"/>'s image shape and class count.</summary>
    /// <param name="test">Held-out images the aggregated model is scored on.</param>
    /// <param name="evaluationBatchSize">Images per forward pass; about 250 is fastest (1000 spends seconds allocating).</param>
    public ImageClassificationTask(ImageDataset test, int evaluationBatchSize = 250)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(evaluationBatchSize);
        this.test = test;
        batchSize = evaluationBatchSize;
        labels = test.Labels.Select(l => (long)l).ToArray();
        model = new ExclusiveModel<LeNet5>(() => new LeNet5(test.Height, test.Width, test.Classes));
        LayoutId = LeNet5.LayoutId(test.Height, test.Width, test.Classes);
    }

    /// <inheritdoc />
    public string LayoutId { get; }

    /// <inheritdoc />
    public int ParameterCount => model.ParameterCount;

    /// <inheritdoc />
    public void InitialParameters(int seed, Span<float> destination) =>
        InitialWeights.FanInUniform(model.Shapes, new Random(seed), destination);

    /// <inheritdoc />
    public Evaluation Evaluate(ReadOnlySpan<float> parameters) => model.Evaluate(parameters, Score);

    /// <inheritdoc />
    public void Dispose() => model.Dispose();

    private Evaluation Score(ModelWorkspace<LeNet5> workspace)
    {
        long correct = 0;
        double lossSum = 0;
        int size = test.ImageSize;
        for (int start = 0; start < test.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, test.Count - start);
            using var scope = NewDisposeScope();
            var input = ModelWorkspace<LeNet5>.FloatTensor(
                test.Pixels.AsSpan(start * size, count * size), count, 1, test.Height, test.Width);
            var target = ModelWorkspace<LeNet5>.LongTensor(labels.AsSpan(start, count));
            var logits = workspace.Model.forward(input);
            lossSum += nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(target).sum().item<long>();
        }

        int n = test.Count;
        return n == 0
            ? new Evaluation(double.NaN, double.NaN, double.NaN, 0)
            : new Evaluation((double)correct / n, lossSum / n, double.NaN, n);
    }
}
