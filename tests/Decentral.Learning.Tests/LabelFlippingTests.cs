using Decentral.Data;

namespace Decentral.Learning.Tests;

public sealed class LabelFlippingTests
{
    [Fact]
    public void Flipped_ClassificationDataset_MirrorsLabelsAndSharesFeatures()
    {
        var data = new ClassificationDataset(2, 4, [1f, 2f, 3f, 4f, 5f, 6f], [0, 3, 1]);

        var flipped = LabelFlipping.Flipped(data);

        Assert.Equal([3, 0, 2], flipped.Y);
        Assert.Same(data.X, flipped.X);
        Assert.Equal([0, 3, 1], data.Y);
    }

    [Fact]
    public void Flipped_ImageDataset_MirrorsLabelsAndSharesPixels()
    {
        var data = new ImageDataset("tiny", 1, 2, 10, [0f, 1f, 0.5f, 0.25f], [9, 2]);

        var flipped = LabelFlipping.Flipped(data);

        Assert.Equal(new byte[] { 0, 7 }, flipped.Labels);
        Assert.Same(data.Pixels, flipped.Pixels);
    }

    [Fact]
    public void Create_FlippedSlots_OnlyThoseTrainersSeeFlippedLabels()
    {
        var learning = new LearningOptions { Task = "synthetic", Model = "softmax", SamplesPerNode = 50 };
        var honest = LearningFactory.Create(new LearningRequest(learning, 3, 4)).Setup!;
        var attacked = LearningFactory.Create(new LearningRequest(learning, 3, 4) { FlippedLabelSlots = new HashSet<int> { 1 } }).Setup!;
        var start = new float[honest.Task.ParameterCount];
        honest.Task.InitialParameters(3, start);

        float[] Trained(LearningSetup setup, int node)
        {
            var result = new float[start.Length];
            setup.TrainerFor(node).Train(start, result, round: 5);
            return result;
        }

        Assert.Equal(Trained(honest, 0), Trained(attacked, 0));
        Assert.NotEqual(Trained(honest, 1), Trained(attacked, 1));
        Assert.Contains("1 nodes train on flipped labels", attacked.Description, StringComparison.Ordinal);
    }
}
