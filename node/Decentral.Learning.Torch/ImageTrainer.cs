using Decentral.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>LeNet-5 training on one node's images, cross-entropy loss.</summary>
internal sealed class ImageTrainer : SgdTrainer<LeNet5>
{
    private readonly ImageDataset data;

    /// <summary>Creates a trainer over <paramref name="indices"/> of <paramref name="data"/>.</summary>
    public ImageTrainer(ModelPool<LeNet5> pool, ImageDataset data, ReadOnlySpan<int> indices, SgdOptions options, int seed)
        : base(pool, indices, options, seed)
    {
        this.data = data;
    }

    /// <inheritdoc />
    protected override Tensor Loss(ModelWorkspace<LeNet5> workspace, ReadOnlySpan<int> batch)
    {
        int size = data.ImageSize;
        workspace.EnsureStaging(batch.Length * size, batch.Length);
        var pixels = workspace.Floats.AsSpan(0, batch.Length * size);
        var labels = workspace.Longs.AsSpan(0, batch.Length);
        for (int k = 0; k < batch.Length; k++)
        {
            data.Pixels.AsSpan(batch[k] * size, size).CopyTo(pixels.Slice(k * size, size));
            labels[k] = data.Labels[batch[k]];
        }

        var input = ModelWorkspace<LeNet5>.FloatTensor(pixels, batch.Length, 1, data.Height, data.Width);
        var target = ModelWorkspace<LeNet5>.LongTensor(labels);
        return nn.functional.cross_entropy(workspace.Model.forward(input), target);
    }
}
