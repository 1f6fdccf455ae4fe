using System.CommandLine;
using Decentral.Simulator.Cli.Verbs;
using Decentral.Tests.Shared;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>The README's option table says what --help says: the same options, the same words.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void OptionTable_SameRowsAsTheHelp()
    {
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var table = readme.SkipWhile(l => l != "| verb | argument or option | meaning |").Skip(2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Replace("`", "", StringComparison.Ordinal)).ToList();

        Assert.Equal(HelpRows(SimulatorCommandLine.Create()), table);
    }

    private static IEnumerable<string> HelpRows(RootCommand root)
    {
        foreach (var verb in root.Subcommands)
        {
            foreach (var argument in verb.Arguments)
            {
                yield return $"| {verb.Name} | <{argument.HelpName ?? argument.Name}> | {argument.Description} |";
            }

            foreach (var option in verb.Options.Where(o => !o.Hidden))
            {
                var value = option.ValueType == typeof(bool) ? "" : $" <{option.HelpName}>";
                yield return $"| {verb.Name} | {option.Name}{value} | {option.Description} |";
            }
        }
    }
}
