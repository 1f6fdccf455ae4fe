using Decentral.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Rating prediction with 20-factor matrix factorisation (<see cref="ILearningTask"/>): layout,
/// seeded initial parameters, and RMSE (with MSE as the loss) on held-out ratings. Thread-safe;
/// evaluations are serialised. Dispose to free the native model.
/// </summary>
public sealed class RatingsTask : ILearningTask, IDisposable
{
    /// <summary>Standard deviation of the initial user and item factors.</summary>
    public const double InitialFactorStd = 0.1;

    private readonly RatingsDataset test;
    private readonly long[] users;
    private readonly long[] items;
    private readonly float initialBias;
    private readonly int batchSize;
    private readonly ExclusiveModel<MatrixFactorization> model;

    /// <summary>Creates the task for <paramref name="test"/>'s user and item id spaces.</summary>
    /// <param name="test">Held-out ratings; its id spaces define the model size.</param>
    /// <param name="initialBias">Starting global bias, normally the mean training rating, so early rounds need not learn the offset.</param>
    /// <param name="evaluationBatchSize">Ratings per forward pass.</param>
    public RatingsTask(RatingsDataset test, float initialBias, int evaluationBatchSize = 250)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(evaluationBatchSize);
        if (!float.IsFinite(initialBias))
        {
            throw new ArgumentOutOfRangeException(nameof(initialBias), initialBias, "Must be finite.");
        }

        this.test = test;
        this.initialBias = initialBias;
        batchSize = evaluationBatchSize;
        users = test.Users.Select(u => (long)u).ToArray();
        items = test.Items.Select(i => (long)i).ToArray();
        model = new ExclusiveModel<MatrixFactorization>(() => new MatrixFactorization(test.UserCount, test.ItemCount));
        LayoutId = MatrixFactorization.LayoutId(test.UserCount, test.ItemCount);
    }

    /// <inheritdoc />
    public string LayoutId { get; }

    /// <inheritdoc />
    public int ParameterCount => model.ParameterCount;

    /// <summary>Factors N(0, 0.1^2), user and item biases 0, global bias the configured start value.</summary>
    public void InitialParameters(int seed, Span<float> destination)
    {
        if (destination.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {destination.Length}.", nameof(destination));
        }

        var random = new Random(seed);
        var shapes = model.Shapes;
        int factors = (int)(shapes[0][0] * shapes[0][1]) + (int)(shapes[1][0] * shapes[1][1]);
        InitialWeights.Normal(random, InitialFactorStd, destination[..factors]);
        destination[factors..^1].Clear();
        destination[^1] = initialBias;
    }

    /// <inheritdoc />
    public Evaluation Evaluate(ReadOnlySpan<float> parameters) => model.Evaluate(parameters, Score);

    /// <inheritdoc />
    public void Dispose() => model.Dispose();

    private Evaluation Score(ModelWorkspace<MatrixFactorization> workspace)
    {
        double squaredSum = 0;
        for (int start = 0; start < test.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, test.Count - start);
            using var scope = NewDisposeScope();
            var prediction = workspace.Model.forward(
                ModelWorkspace<MatrixFactorization>.LongTensor(users.AsSpan(start, count)),
                ModelWorkspace<MatrixFactorization>.LongTensor(items.AsSpan(start, count)));
            var target = ModelWorkspace<MatrixFactorization>.FloatTensor(test.Ratings.AsSpan(start, count), count);
            squaredSum += nn.functional.mse_loss(prediction, target, reduction: nn.Reduction.Sum).item<float>();
        }

        int n = test.Count;
        if (n == 0)
        {
            return new Evaluation(double.NaN, double.NaN, double.NaN, 0);
        }

        double mse = squaredSum / n;
        return new Evaluation(double.NaN, mse, Math.Sqrt(mse), n);
    }
}
