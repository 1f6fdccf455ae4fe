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

        // By name, because torch lists a module's own parameters (the global bias) before its children's.
        var random = new Random(seed);
        int offset = 0;
        for (int i = 0; i < model.Names.Count; i++)
        {
            var part = destination.Slice(offset, (int)model.Shapes[i].Aggregate(1L, (a, b) => a * b));
            offset += part.Length;
            switch (model.Names[i])
            {
                case MatrixFactorization.GlobalBiasName:
                    part.Fill(initialBias);
                    break;
                case var name when name.EndsWith("Factors.weight", StringComparison.Ordinal):
                    InitialWeights.Normal(random, InitialFactorStd, part);
                    break;
                default:
                    part.Clear();
                    break;
            }
        }
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
