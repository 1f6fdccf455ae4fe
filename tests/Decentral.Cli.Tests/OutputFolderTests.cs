namespace Decentral.Cli.Tests;

public sealed class OutputFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("decentral-out-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Prepare_PathIsAFile_OneLineNamingPathAndReason()
    {
        var file = Path.Combine(_root, "taken");
        File.WriteAllText(file, "x");

        var error = OutputFolder.Prepare(file);

        Assert.Equal($"{file}: cannot be the output folder: it is a file", error);
    }

    [Fact]
    public void Prepare_UnderAFile_NamesTheFile()
    {
        var file = Path.Combine(_root, "taken");
        File.WriteAllText(file, "x");
        var path = Path.Combine(file, "a", "b");

        var error = OutputFolder.Prepare(path);

        Assert.Equal($"{path}: cannot create the output folder: {file} is a file", error);
    }

    [Fact]
    public void Prepare_UnderProc_NamesPathAndReasonOnOneLine()
    {
        const string path = "/proc/decentral-run";

        var error = OutputFolder.Prepare(path);

        Assert.NotNull(error);
        Assert.StartsWith($"{path}: cannot create the output folder: ", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Prepare_NewNestedFolder_CreatedAndLeftEmpty()
    {
        var path = Path.Combine(_root, "runs", "x");

        Assert.Null(OutputFolder.Prepare(path));
        Assert.True(Directory.Exists(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(path));
    }
}
