using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Decentral.Node.P2p;
using Decentral.Node.Run;
using Decentral.Tests.Shared;

namespace Decentral.Node.Tests;

/// <summary>The READMEs name the options the verbs have: no option missing, none that does not exist.</summary>
public sealed partial class ReadmeTests
{
    [Fact]
    public void P2pOptionTable_SameOptionsAsTheVerb()
    {
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "node", "Decentral.Node", "README.md"));
        var rows = readme.SkipWhile(l => l != "| option | default | meaning |").Skip(2).TakeWhile(l => l.StartsWith('|'));
        var documented = rows.SelectMany(r => OptionName().Matches(r.Split('|')[1]).Select(m => m.Value)).Order().ToList();

        Assert.Equal(OptionsOf(P2pVerb.Create(TextReader.Null, TimeProvider.System)), documented);
    }

    [Fact]
    public void RunOptionList_NamesEveryOptionOfTheVerb()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("Options: `--config FILE`", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README's list of run options is gone");
        var paragraph = readme[start..readme.IndexOf("\n\n", start, StringComparison.Ordinal)];
        var documented = OptionName().Matches(paragraph).Select(m => m.Value).Distinct().Order().ToList();

        Assert.Equal(OptionsOf(RunVerb.Create()), documented);
    }

    private static List<string> OptionsOf(Command verb) =>
        [.. verb.Options.Where(o => !o.Hidden && o is not HelpOption).Select(o => o.Name).Order()];

    [GeneratedRegex(@"--[a-z][a-z0-9-]*")]
    private static partial Regex OptionName();
}
