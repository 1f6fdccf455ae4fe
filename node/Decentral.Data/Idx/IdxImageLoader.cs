namespace Decentral.Data.Idx;

/// <summary>Builds an <see cref="ImageDataset"/> from a pair of IDX files (images of rank 3, labels of rank 1).</summary>
public static class IdxImageLoader
{
    /// <summary>
    /// Loads images and labels, checks that they agree (same count, labels below
    /// <paramref name="classes"/>) and scales pixels from 0..255 to [0,1].
    /// </summary>
    /// <param name="name">Name of the resulting dataset.</param>
    /// <param name="imagesPath">IDX file of rank 3 (count, height, width), raw or gzip.</param>
    /// <param name="labelsPath">IDX file of rank 1 (count), raw or gzip.</param>
    /// <param name="classes">Number of classes; every label must be below it.</param>
    public static DataResult<ImageDataset> Load(string name, string imagesPath, string labelsPath, int classes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        var images = IdxArray.Load(imagesPath);
        if (!images.IsSuccess)
        {
            return images.Error!;
        }

        var labels = IdxArray.Load(labelsPath);
        if (!labels.IsSuccess)
        {
            return labels.Error!;
        }

        var imageDims = images.Value.Dimensions;
        if (imageDims.Count != 3)
        {
            return new DataError(DataErrorKind.Corrupt, imagesPath, $"an image file must have rank 3, this one has rank {imageDims.Count}");
        }

        var labelDims = labels.Value.Dimensions;
        if (labelDims.Count != 1)
        {
            return new DataError(DataErrorKind.Corrupt, labelsPath, $"a label file must have rank 1, this one has rank {labelDims.Count}");
        }

        if (labelDims[0] != imageDims[0])
        {
            return new DataError(
                DataErrorKind.Corrupt, labelsPath, $"{labelDims[0]} labels for {imageDims[0]} images in {imagesPath}");
        }

        var labelBytes = labels.Value.Data;
        var bad = Array.FindIndex(labelBytes, l => l >= classes);
        if (bad >= 0)
        {
            return new DataError(
                DataErrorKind.Corrupt, labelsPath, $"label {labelBytes[bad]} of item {bad} is not below the class count {classes}");
        }

        var raw = images.Value.Data;
        var pixels = new float[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            pixels[i] = raw[i] / 255f;
        }

        return DataResult<ImageDataset>.Ok(new ImageDataset(name, imageDims[1], imageDims[2], classes, pixels, labelBytes));
    }
}
