using Decentral.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>Matrix factorisation training on one node's ratings, mean squared error.</summary>
internal sealed class RatingsTrainer : SgdTrainer<MatrixFactorization>
{
    private readonly RatingsDataset data;

    /// <summary>Creates a trainer over <paramref name="indices"/> of <paramref name="data"/>.</summary>
    public RatingsTrainer(
        ModelPool<MatrixFactorization> pool, RatingsDataset data, ReadOnlySpan<int> indices, SgdOptions options, int seed)
        : base(pool, indices, options, seed)
    {
        this.data = data;
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
