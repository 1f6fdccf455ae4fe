namespace Decentral.Cli.Tests;

public sealed class ExitCodesTests
{
    [Fact]
    public void Readme_ExitCodeTable_MatchesTheHelpTable()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));

        var rows = readme.SkipWhile(l => l != "| exit code | meaning |").Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();

        Assert.Equal(ExitCodes.Table.Select(e => $"| {e.Code} | {e.Meaning.Replace("--help", "`--help`", StringComparison.Ordinal)} |"), rows);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decentral.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Decentral.sln not found above the test binaries.");
    }
}
