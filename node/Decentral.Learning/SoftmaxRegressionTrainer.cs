namespace Decentral.Learning;

/// <summary>Local SGD settings of the modelled trainer (reference defaults: batch 20, 5 local steps).</summary>
public sealed class LocalTrainingOptions
{
    /// <summary>Samples per SGD step; default 20.</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>SGD steps per training call; default 5.</summary>
    public int LocalSteps { get; init; } = 5;

    /// <summary>Learning rate; default 0.1.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(LocalSteps, 1, nameof(LocalSteps));
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be positive and finite.");
        }
    }
}

/// <summary>
/// One node's softmax-regression trainer over its partition of the shared dataset. Holds only
/// references and its node index (cheap to create for every node); scratch buffers are
/// per-thread. Batches are drawn with replacement from the node's samples by a generator seeded
/// with (seed, node, round), so the same inputs always give the same result.
/// </summary>
public sealed class SoftmaxRegressionTrainer : ILocalTrainer
{
    [ThreadStatic]
    private static float[]? t_gradient;

    private readonly ClassificationDataset _data;
    private readonly DataPartition _partition;
    private readonly int _node;
    private readonly LocalTrainingOptions _options;
    private readonly int _seed;

    /// <summary>Creates node <paramref name="node"/>'s trainer.</summary>
    public SoftmaxRegressionTrainer(ClassificationDataset data, DataPartition partition, int node, LocalTrainingOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, partition.Nodes);
        options.Validate();
        _data = data;
        _partition = partition;
        _node = node;
        _options = options;
        _seed = seed;
    }

    /// <inheritdoc />
    public int LocalSamples => _partition.CountOf(_node);

    /// <inheritdoc />
    public TrainOutcome Train(ReadOnlySpan<float> start, Span<float> result, long round)
    {
        int parameters = SoftmaxRegression.ParameterCount(_data.Features, _data.Classes);
        if (start.Length != parameters || result.Length != parameters)
        {
            throw new ArgumentException($"Expected {parameters} parameters, got {start.Length} and {result.Length}.", nameof(start));
        }

        start.CopyTo(result);
        var samples = _partition.SamplesOf(_node);
        if (samples.Length == 0)
        {
            return new TrainOutcome(0, double.NaN);
        }

        if (t_gradient is null || t_gradient.Length < parameters)
        {
            t_gradient = new float[parameters];
        }

        var gradient = t_gradient.AsSpan(0, parameters);
        Span<float> probabilities = stackalloc float[_data.Classes];
        var random = new Random(Seeds.Derive(_seed, _node, round));
        int batch = _options.BatchSize;
        float scale = 1f / batch;
        double lossSum = 0;
        for (int step = 0; step < _options.LocalSteps; step++)
        {
            gradient.Clear();
            for (int b = 0; b < batch; b++)
            {
                int s = samples[random.Next(samples.Length)];
                lossSum += SoftmaxRegression.AccumulateGradient(result, _data.Sample(s), _data.Y[s], scale, gradient, probabilities);
            }

            VectorMath.Axpy(-_options.LearningRate, gradient, result);
        }

        int used = batch * _options.LocalSteps;
        return new TrainOutcome(used, lossSum / used);
    }
}
