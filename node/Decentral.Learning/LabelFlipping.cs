using Decentral.Data;

namespace Decentral.Learning;

/// <summary>
/// The label-flipping attack as a data-side transform (data poisoning): an attacker's trainer is
/// the ordinary trainer over the same samples, whose labels read l -> classes - 1 - l. The copies
/// share the features or pixels with the honest dataset and replace only the labels, so the
/// trainers themselves stay untouched.
/// </summary>
public static class LabelFlipping
{
    /// <summary>The flipped label of <paramref name="label"/> among <paramref name="classes"/> classes.</summary>
    public static int Flip(int label, int classes) => classes - 1 - label;

    /// <summary>The dataset with every label flipped (features shared, not copied).</summary>
    public static ClassificationDataset Flipped(ClassificationDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new ClassificationDataset(data.Features, data.Classes, data.X, [.. data.Y.Select(y => Flip(y, data.Classes))]);
    }

    /// <summary>The image dataset with every label flipped (pixels shared, not copied).</summary>
    public static ImageDataset Flipped(ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new ImageDataset(data.Name + " (labels flipped)", data.Height, data.Width, data.Classes, data.Pixels, [.. data.Labels.Select(y => (byte)Flip(y, data.Classes))]);
    }
}
