using Decentral.Data.MovieLens;
using Decentral.Data.Tests.Kit;

namespace Decentral.Data.Tests;

public sealed class CatalogTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private void WriteFetchedLayout()
    {
        // The layout scripts/fetch-data.sh produces, with tiny contents.
        var mnist = Directory.CreateDirectory(Path.Combine(folder.Path, DataCatalog.Mnist)).FullName;
        IdxWriter.WriteImageSet(mnist, "train", new byte[3 * 4], [1, 2, 3], 2, 2, gzip: false);
        IdxWriter.WriteImageSet(mnist, "t10k", new byte[1 * 4], [9], 2, 2, gzip: false);
        var fashion = Directory.CreateDirectory(Path.Combine(folder.Path, DataCatalog.FashionMnist)).FullName;
        IdxWriter.WriteImageSet(fashion, "train", new byte[2 * 4], [0, 0], 2, 2, gzip: true);
        IdxWriter.WriteImageSet(fashion, "t10k", new byte[2 * 4], [5, 6], 2, 2, gzip: true);
        var movielens = Directory.CreateDirectory(Path.Combine(folder.Path, DataCatalog.MovieLens)).FullName;
        var users = Enumerable.Range(0, 20).Select(i => i % 2).ToArray();
        LazyLoadDbWriter.Write(
            movielens,
            "Rdata",
            3,
            (MovieLensLoader.ObjectName, MovieLensTests.Frame(users, [.. users.Select(u => u + 10)], [.. users.Select(_ => 3.0)], [.. Enumerable.Range(0, 20)])));
    }

    [Fact]
    public void Load_FetchedLayout_LoadsEveryDataset()
    {
        WriteFetchedLayout();
        var catalog = new DataCatalog(folder.Path);

        var mnist = catalog.LoadImages(DataCatalog.Mnist).Value;
        var fashion = catalog.LoadImages(DataCatalog.FashionMnist).Value;
        var movies = catalog.LoadMovieLens().Value;

        Assert.Equal((3, 1, "mnist/train", "mnist/test"), (mnist.Train.Count, mnist.Test.Count, mnist.Train.Name, mnist.Test.Name));
        Assert.Equal([5, 6], fashion.Test.Labels);
        Assert.Equal((16, 4), (movies.Train.Count, movies.Test.Count));
        Assert.Equal("movielens/test", movies.Test.Name);
    }

    [Fact]
    public void Load_EmptyDataFolder_EveryDatasetIsMissingWithTheFetchHint()
    {
        var catalog = new DataCatalog(folder.Path);

        DataError?[] errors =
        [
            catalog.LoadImages(DataCatalog.Mnist).Error,
            catalog.LoadImages(DataCatalog.FashionMnist).Error,
            catalog.LoadMovieLens().Error,
        ];

        Assert.All(errors, e =>
        {
            Assert.Equal(DataErrorKind.Missing, e!.Kind);
            Assert.Contains("scripts/fetch-data.sh", e.Message);
        });
    }

    [Fact]
    public void Load_OneFileMissing_NamesThatFile()
    {
        WriteFetchedLayout();
        var missing = Path.Combine(folder.Path, DataCatalog.FashionMnist, "t10k-labels-idx1-ubyte.gz");
        File.Delete(missing);

        var error = new DataCatalog(folder.Path).LoadImages(DataCatalog.FashionMnist).Error!;

        Assert.Equal((DataErrorKind.Missing, missing), (error.Kind, error.Path));
    }

    [Fact]
    public void LoadImages_UnknownName_IsABug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataCatalog(folder.Path).LoadImages("cifar-10"));
    }

    [Fact]
    public void DefaultRoot_InsideARepository_IsItsDataFolder()
    {
        File.WriteAllText(folder.File("Decentral.sln"), string.Empty);
        var nested = Directory.CreateDirectory(Path.Combine(folder.Path, "a", "b")).FullName;

        var root = DataCatalog.DefaultRoot(nested);

        // An explicit DECENTRAL_DATA wins over the search (as in the fetch script).
        var fromEnvironment = Environment.GetEnvironmentVariable(DataCatalog.DataRootVariable);
        var expected = string.IsNullOrWhiteSpace(fromEnvironment) ? folder.File("data") : Path.GetFullPath(fromEnvironment);
        Assert.Equal(expected, root);
    }
}
