using Decentral.Data.Idx;
using Decentral.Data.MovieLens;
using Decentral.Data.Partitioning;

namespace Decentral.Data;

/// <summary>Train and test halves of an image dataset.</summary>
/// <param name="Train">The training images.</param>
/// <param name="Test">The test images.</param>
public sealed record ImageSplit(ImageDataset Train, ImageDataset Test);

/// <summary>
/// Loads the fetched datasets by name from a data folder laid out by scripts/fetch-data.sh:
/// mnist/*-ubyte (raw IDX), fashion-mnist/*-ubyte.gz (gzipped IDX), movielens/Rdata.rdx+.rdb.
/// </summary>
public sealed class DataCatalog
{
    /// <summary>MNIST handwritten digits: 60000 train, 10000 test, 28x28, 10 classes.</summary>
    public const string Mnist = "mnist";

    /// <summary>Fashion-MNIST clothing images: 60000 train, 10000 test, 28x28, 10 classes.</summary>
    public const string FashionMnist = "fashion-mnist";

    /// <summary>MovieLens ml-latest-small (2016): 100004 ratings by 671 users of 9066 movies.</summary>
    public const string MovieLens = "movielens";

    /// <summary>The environment variable that overrides the data folder (also honoured by the fetch script).</summary>
    public const string DataRootVariable = "DECENTRAL_DATA";

    /// <summary>Share of each user's latest ratings held out for testing by default.</summary>
    public const double DefaultMovieLensTestFraction = 0.2;

    /// <summary>Creates a catalog over <paramref name="root"/>.</summary>
    public DataCatalog(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The data folder.</summary>
    public string Root { get; }

    /// <summary>The names <see cref="LoadImages"/> accepts.</summary>
    public static IReadOnlyList<string> ImageDatasets { get; } = [Mnist, FashionMnist];

    /// <summary>
    /// The default data folder: $DECENTRAL_DATA when set, else ./data in the nearest folder at or
    /// above <paramref name="start"/> that holds Decentral.sln (the repository root), else ./data
    /// under <paramref name="start"/>.
    /// </summary>
    /// <param name="start">Where to start looking; the current directory when null.</param>
    public static string DefaultRoot(string? start = null)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DataRootVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        var origin = Path.GetFullPath(start ?? Directory.GetCurrentDirectory());
        for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decentral.sln")))
            {
                return Path.Combine(dir.FullName, "data");
            }
        }

        return Path.Combine(origin, "data");
    }

    /// <summary>Loads "mnist" or "fashion-mnist" (train and test).</summary>
    public DataResult<ImageSplit> LoadImages(string name)
    {
        var suffix = name switch
        {
            Mnist => string.Empty,
            FashionMnist => ".gz",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, $"expected one of: {string.Join(", ", ImageDatasets)}"),
        };
        var folder = Path.Combine(Root, name);
        if (!Directory.Exists(folder))
        {
            return new DataError(DataErrorKind.Missing, folder, $"the {name} folder does not exist");
        }

        // The IDX files call the test half "t10k".
        DataResult<ImageDataset> Part(string file, string part) => IdxImageLoader.Load(
            $"{name}/{part}",
            Path.Combine(folder, $"{file}-images-idx3-ubyte{suffix}"),
            Path.Combine(folder, $"{file}-labels-idx1-ubyte{suffix}"),
            classes: 10);

        return Part("train", "train").Then(train => Part("t10k", "test").Map(test => new ImageSplit(train, test)));
    }

    /// <summary>
    /// Loads a folder of the user's own images in the IDX format of MNIST: train-images-idx3-ubyte
    /// and train-labels-idx1-ubyte (each raw or gzipped, with or without a .gz suffix) for
    /// training; t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte for evaluation when present
    /// (otherwise the test half is the training set itself, and accuracy says how well it fits).
    /// Labels must lie in 0..9.
    /// </summary>
    public static DataResult<ImageSplit> LoadImageFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            return new DataError(DataErrorKind.Missing, full, "the data folder does not exist");
        }

        string File(string name) => System.IO.File.Exists(Path.Combine(full, name)) || !System.IO.File.Exists(Path.Combine(full, name + ".gz"))
            ? Path.Combine(full, name)
            : Path.Combine(full, name + ".gz");
        DataResult<ImageDataset> Part(string file) => IdxImageLoader.Load(
            $"{Path.GetFileName(full)}/{file}", File($"{file}-images-idx3-ubyte"), File($"{file}-labels-idx1-ubyte"), classes: 10);

        var hasTest = System.IO.File.Exists(File("t10k-images-idx3-ubyte"));
        return Part("train").Then(train => hasTest ? Part("t10k").Map(test => new ImageSplit(train, test)) : DataResult<ImageSplit>.Ok(new ImageSplit(train, train)));
    }

    /// <summary>Loads all MovieLens ratings with dense ids.</summary>
    public DataResult<MovieLensData> LoadMovieLensRatings()
    {
        var folder = Path.Combine(Root, MovieLens);
        return Directory.Exists(folder)
            ? MovieLensLoader.Load(Path.Combine(folder, "Rdata.rdx"), MovieLens)
            : new DataError(DataErrorKind.Missing, folder, "the movielens folder does not exist");
    }

    /// <summary>Loads MovieLens split per user by time (see <see cref="RatingsSplit.PerUserByTime"/>).</summary>
    /// <param name="testFraction">Share of each user's latest ratings held out, in [0, 1).</param>
    public DataResult<RatingsSplit> LoadMovieLens(double testFraction = DefaultMovieLensTestFraction) =>
        LoadMovieLensRatings().Map(data => RatingsSplit.PerUserByTime(data.Ratings, testFraction));
}
