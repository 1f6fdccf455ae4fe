using Decentral.Data.Tests.Kit;

namespace Decentral.Data.Tests;

/// <summary>A folder of the user's own IDX images (a node's learning:dataFolder).</summary>
public sealed class ImageFolderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadImageFolder_TrainAndTestFiles_LoadsBothRawOrGzipped(bool gzip)
    {
        Write("train", 12, gzip);
        Write("t10k", 5, gzip);

        var split = DataCatalog.LoadImageFolder(_folder.Path).Value;

        Assert.Equal(12, split.Train.Count);
        Assert.Equal(5, split.Test.Count);
        Assert.Equal(28, split.Train.Height);
    }

    [Fact]
    public void LoadImageFolder_NoTestFiles_EvaluatesOnTheTrainingImages()
    {
        Write("train", 7, gzip: false);

        var split = DataCatalog.LoadImageFolder(_folder.Path).Value;

        Assert.Same(split.Train, split.Test);
    }

    [Fact]
    public void LoadImageFolder_NoSuchFolder_MissingErrorNamesIt()
    {
        var missing = _folder.File("nope");

        var result = DataCatalog.LoadImageFolder(missing);

        Assert.False(result.IsSuccess);
        Assert.Equal(DataErrorKind.Missing, result.Error!.Kind);
        Assert.Contains("nope", result.Error.Message, StringComparison.Ordinal);
    }

    private void Write(string stem, int count, bool gzip)
    {
        var pixels = new byte[count * 28 * 28];
        new Random(count).NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        IdxWriter.WriteImageSet(_folder.Path, stem, pixels, labels, 28, 28, gzip);
    }
}
