using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Local SGD over one node's partition of a shared dataset. Each Train call starts from the
/// given parameters with zeroed momentum and walks a permutation of the partition seeded by
/// (trainer seed, round), reshuffling whenever fewer than a batch of samples are left, so the
/// result depends only on the inputs.
/// </summary>
internal abstract class SgdTrainer<TModel> : ILocalTrainer
    where TModel : nn.Module
{
    private readonly ModelPool<TModel> pool;
    private readonly int[] indices;
    private readonly int[] order;
    private readonly SgdOptions options;
    private readonly int seed;

    /// <summary>Creates a trainer over <paramref name="indices"/> (copied) of the shared dataset.</summary>
    protected SgdTrainer(ModelPool<TModel> pool, ReadOnlySpan<int> indices, SgdOptions options, int seed)
    {
        this.pool = pool;
        this.indices = indices.ToArray();
        order = new int[indices.Length];
        this.options = options;
        this.seed = seed;
    }

    /// <inheritdoc />
    public int LocalSamples => indices.Length;

    /// <inheritdoc />
    public TrainOutcome Train(ReadOnlySpan<float> start, Span<float> result, long round)
    {
        if (start.Length != result.Length)
        {
            throw new ArgumentException("Start and result vectors differ in length.", nameof(result));
        }

        if (indices.Length == 0)
        {
            start.CopyTo(result);
            return new TrainOutcome(0, double.NaN);
        }

        using var lease = pool.Rent();
        var workspace = lease.Workspace;
        workspace.Flat.Write(start);
        workspace.ResetMomentum();
        workspace.Model.train();
        var random = new Random(Seeds.Derive(seed, round));
        int batch = Math.Min(options.BatchSize, indices.Length);
        int cursor = indices.Length;
        double lossSum = 0;
        for (int step = 0; step < options.LocalSteps; step++)
        {
            if (cursor + batch > indices.Length)
            {
                indices.CopyTo(order, 0);
                random.Shuffle(order);
                cursor = 0;
            }

            using var scope = NewDisposeScope();
            workspace.Model.zero_grad();
            var loss = Loss(workspace, order.AsSpan(cursor, batch));
            loss.backward();
            workspace.Step(options.LearningRate, options.Momentum);
            lossSum += loss.item<float>();
            cursor += batch;
        }

        workspace.Flat.Read(result);
        AdjustResult(workspace.Flat, start, result);
        return new TrainOutcome(options.LocalSteps * batch, lossSum / options.LocalSteps);
    }

    /// <summary>
    /// Lets a trainer change the trained parameters before they are returned (default: no change).
    /// Must depend only on its arguments and the trainer's configuration.
    /// </summary>
    protected virtual void AdjustResult(FlatParameters flat, ReadOnlySpan<float> start, Span<float> result)
    {
    }

    /// <summary>The mean training loss of the samples at <paramref name="batch"/> (dataset indices).</summary>
    protected abstract Tensor Loss(ModelWorkspace<TModel> workspace, ReadOnlySpan<int> batch);
}
