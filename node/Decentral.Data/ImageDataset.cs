namespace Decentral.Data;

/// <summary>
/// A labelled set of single-channel images held as one flat array, so a trainer can copy a
/// batch with one span slice instead of walking per-image objects.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset and checks that the arrays agree with the shape.</summary>
    /// <param name="name">Human-readable name, e.g. "mnist/train".</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="classes">Number of label classes; every label is below it.</param>
    /// <param name="pixels">Count*Height*Width pixels, row-major per image, scaled to [0,1]. Owned by the dataset.</param>
    /// <param name="labels">One label per image. Owned by the dataset.</param>
    public ImageDataset(string name, int height, int width, int classes, float[] pixels, byte[] labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        if ((long)labels.Length * height * width != pixels.Length)
        {
            throw new ArgumentException(
                $"{pixels.Length} pixels do not make {labels.Length} images of {height}x{width}.", nameof(pixels));
        }

        foreach (var label in labels)
        {
            if (label >= classes)
            {
                throw new ArgumentException($"Label {label} is not below the class count {classes}.", nameof(labels));
            }
        }

        Name = name;
        Height = height;
        Width = width;
        Classes = classes;
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>Human-readable name, e.g. "mnist/train".</summary>
    public string Name { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Number of label classes.</summary>
    public int Classes { get; }

    /// <summary>Pixels per image (Height*Width).</summary>
    public int ImageSize => Height * Width;

    /// <summary>All pixels, Count*Height*Width, scaled to [0,1]. Callers must not modify it.</summary>
    public float[] Pixels { get; }

    /// <summary>One label per image, each below <see cref="Classes"/>. Callers must not modify it.</summary>
    public byte[] Labels { get; }

    /// <summary>The pixels of image <paramref name="i"/>, row-major.</summary>
    public ReadOnlySpan<float> Image(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Count);
        return Pixels.AsSpan(i * ImageSize, ImageSize);
    }

    /// <summary>Number of images per class, indexed by label.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[Classes];
        foreach (var label in Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>A copy holding the images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(ReadOnlySpan<int> indices)
    {
        var size = ImageSize;
        var pixels = new float[indices.Length * size];
        var labels = new byte[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            Image(indices[k]).CopyTo(pixels.AsSpan(k * size, size));
            labels[k] = Labels[indices[k]];
        }

        return new ImageDataset(Name, Height, Width, Classes, pixels, labels);
    }
}
