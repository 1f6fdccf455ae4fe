using Decentral.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Matrix factorisation training on one node's ratings, mean squared error. The trained model
/// leaves the node as start + <see cref="UpdateScale"/> x (trained - start); see
/// <see cref="TorchTrainers.ForRatings(RatingsDataset, IReadOnlyList{int[]}, SgdOptions, int, double)"/>.
/// </summary>
internal sealed class RatingsTrainer : SgdTrainer<MatrixFactorization>
{
    private readonly RatingsDataset data;

    /// <summary>Creates a trainer over <paramref name="indices"/> of <paramref name="data"/>.</summary>
    public RatingsTrainer(
        ModelPool<MatrixFactorization> pool, RatingsDataset data, ReadOnlySpan<int> indices, SgdOptions options, int seed, double updateScale = 1)
        : base(pool, indices, options, seed)
    {
        if (!double.IsFinite(updateScale) || updateScale < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(updateScale), updateScale, "Must be finite and at least 1.");
        }

        this.data = data;
        UpdateScale = updateScale;
    }

    /// <summary>Factor applied to the local update (trained minus start); 1 = unchanged.</summary>
    public double UpdateScale { get; }

    /// <inheritdoc />
    protected override void AdjustResult(FlatParameters flat, ReadOnlySpan<float> start, Span<float> result)
    {
        if (UpdateScale == 1)
        {
            return;
        }

        for (int k = 0; k < result.Length; k++)
        {
            result[k] = (float)(start[k] + (UpdateScale * (result[k] - start[k])));
        }
    }

    /// <inheritdoc />
    protected override Tensor Loss(ModelWorkspace<MatrixFactorization> workspace, ReadOnlySpan<int> batch)
    {
        workspace.EnsureStaging(batch.Length, batch.Length);
        var ratings = workspace.Floats.AsSpan(0, batch.Length);
        var users = workspace.Longs.AsSpan(0, batch.Length);
        var items = workspace.MoreLongs.AsSpan(0, batch.Length);
        for (int k = 0; k < batch.Length; k++)
        {
            users[k] = data.Users[batch[k]];
            items[k] = data.Items[batch[k]];
            ratings[k] = data.Ratings[batch[k]];
        }

        var prediction = workspace.Model.forward(
            ModelWorkspace<MatrixFactorization>.LongTensor(users), ModelWorkspace<MatrixFactorization>.LongTensor(items));
        return nn.functional.mse_loss(prediction, ModelWorkspace<MatrixFactorization>.FloatTensor(ratings, batch.Length));
    }
}
