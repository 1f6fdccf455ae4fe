using Decentral.Tests.Shared;

namespace Decentral.Cli.Tests;

public sealed class ExitCodesTests
{
    [Fact]
    public void Readme_ExitCodeTable_MatchesTheHelpTable()
    {
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));

        var rows = readme.SkipWhile(l => l != "| exit code | meaning |").Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();

        Assert.Equal(ExitCodes.Table.Select(e => $"| {e.Code} | {e.Meaning.Replace("--help", "`--help`", StringComparison.Ordinal)} |"), rows);
    }
}
