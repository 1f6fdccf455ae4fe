using Decentral.Data.Idx;
using Decentral.Data.Tests.Kit;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Data.Tests;

public sealed class IdxTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_RawOrGzipImageSet_RoundTripsPixelsAndLabels(bool gzip)
    {
        byte[] pixels = [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8];
        byte[] labels = [2, 0];
        var (images, labelFile) = IdxWriter.WriteImageSet(folder.Path, "train", pixels, labels, 2, 3, gzip);

        var dataset = IdxImageLoader.Load("tiny", images, labelFile, classes: 3).Value;

        Assert.Equal((2, 2, 3, 3), (dataset.Count, dataset.Height, dataset.Width, dataset.Classes));
        Assert.Equal(labels, dataset.Labels);
        Assert.Equal(pixels.Select(p => p / 255f), dataset.Pixels);
        Assert.Equal([0f, 1f, 0.2f, 0.4f, 1 / 255f, 2 / 255f], dataset.Image(0).ToArray());
    }

    [Fact]
    public void Load_MissingFile_IsMissingErrorThatSaysHowToFetch()
    {
        var result = IdxArray.Load(folder.File("absent-idx1-ubyte"));

        Assert.False(result.IsSuccess);
        Assert.Equal(DataErrorKind.Missing, result.Error!.Kind);
        Assert.Contains("scripts/fetch-data.sh", result.Error.Message);
        var thrown = Assert.Throws<DataUnavailableException>(() => result.Value);
        Assert.Same(result.Error, thrown.Error);
    }

    public static TheoryData<string, byte[], string> CorruptFiles() => new()
    {
        { "short header", [0, 0, 8], "needs 4 bytes" },
        { "bad magic", [1, 0, 8, 1, 0, 0, 0, 1, 7], "bad IDX magic" },
        { "float type", IdxWriter.Encode([1], [7], type: 0x0D), "not unsigned byte" },
        { "rank 0", [0, 0, 8, 0], "rank 0" },
        { "rank 5", [0, 0, 8, 5], "rank 5" },
        { "header cut", [0, 0, 8, 2, 0, 0, 0, 1], "needs 12 bytes" },
        { "zero dimension", IdxWriter.Encode([0], []), "must be positive" },
        { "truncated", IdxWriter.Encode([2, 2], [1, 2, 3, 4])[..^1], "truncated" },
        { "trailing", [.. IdxWriter.Encode([2], [1, 2]), 9], "trailing" },
        { "tiny gzip", IdxWriter.Gzip(IdxWriter.Encode([4], [1, 2, 3, 4]))[..12], "at least 18 bytes" },
        { "truncated gzip", IdxWriter.Gzip(IdxWriter.Encode([400], Noise(400)))[..^6], "damaged or truncated" },
        { "flipped gzip", Flip(IdxWriter.Gzip(IdxWriter.Encode([400], Noise(400))), 40), "damaged" },
    };

    private static byte[] Noise(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        bytes[at] ^= 0x55;
        return bytes;
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void Load_CorruptFile_IsCorruptErrorNamingTheProblem(string name, byte[] content, string expected)
    {
        var path = folder.File(name.Replace(' ', '-'));
        File.WriteAllBytes(path, content);

        var result = IdxArray.Load(path);

        Assert.False(result.IsSuccess);
        Assert.Equal(DataErrorKind.Corrupt, result.Error!.Kind);
        Assert.Contains(expected, result.Error.Detail);
        Assert.Contains(path, result.Error.Message);
    }

    [Fact]
    public void LoadImages_LabelCountDiffers_IsCorrupt()
    {
        var (images, _) = IdxWriter.WriteImageSet(folder.Path, "a", new byte[8], [0, 1], 2, 2, gzip: false);
        var (_, labels) = IdxWriter.WriteImageSet(folder.Path, "b", new byte[12], [0, 1, 1], 2, 2, gzip: false);

        var error = IdxImageLoader.Load("x", images, labels, 10).Error;

        Assert.Equal(DataErrorKind.Corrupt, error!.Kind);
        Assert.Contains("3 labels for 2 images", error.Detail);
    }

    [Fact]
    public void LoadImages_LabelNotBelowClassCount_IsCorrupt()
    {
        var (images, labels) = IdxWriter.WriteImageSet(folder.Path, "t", new byte[8], [0, 10], 2, 2, gzip: true);

        var error = IdxImageLoader.Load("x", images, labels, 10).Error;

        Assert.Equal(DataErrorKind.Corrupt, error!.Kind);
        Assert.Contains("label 10 of item 1", error.Detail);
    }

    [Fact]
    public void LoadImages_ImagesOfWrongRank_IsCorrupt()
    {
        var (_, labels) = IdxWriter.WriteImageSet(folder.Path, "t", new byte[2], [0, 1], 1, 1, gzip: false);

        var error = IdxImageLoader.Load("x", labels, labels, 10).Error;

        Assert.Contains("rank 3", error!.Detail);
    }

    [Property(MaxTest = 50)]
    public Property Parse_AnyPrefixOfAValidFile_FailsAsCorruptNeverThrows(PositiveInt rows, PositiveInt cols)
    {
        var dims = new[] { rows.Get % 7 + 1, cols.Get % 5 + 1 };
        var data = Enumerable.Range(0, dims[0] * dims[1]).Select(i => (byte)i).ToArray();
        var file = IdxWriter.Encode(dims, data);
        var whole = IdxArray.Parse(file);
        var allPrefixesFail = Enumerable.Range(0, file.Length).All(cut =>
        {
            try
            {
                IdxArray.Parse(file[..cut]);
                return false;
            }
            catch (CorruptDataException)
            {
                return true;
            }
        });
        return (whole.Data.SequenceEqual(data) && whole.Dimensions.SequenceEqual(dims) && allPrefixesFail).ToProperty();
    }
}
