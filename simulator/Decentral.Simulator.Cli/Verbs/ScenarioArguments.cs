using System.CommandLine;
using Decentral.Cli;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary>
/// The scenario argument and the overrides that <c>run</c> and <c>validate</c> share; built
/// once per command (System.CommandLine symbols belong to one command).
/// </summary>
internal sealed class ScenarioArguments
{
    public ScenarioArguments(bool required)
    {
        Scenario = new Argument<string?>("scenario")
        {
            Description = $"A scenario file (.json) or the name of one in configs/ ({string.Join(", ", ScenarioSource.EmbeddedNames)})"
                + (required ? "." : $" [default: {ScenarioSource.DefaultScenario}]."),
            Arity = required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne,
            HelpName = "scenario",
        };
        Scenario.CompletionSources.Add(ScenarioSource.EmbeddedNames.ToArray());
    }

    public Argument<string?> Scenario { get; }

    public Option<int?> Seed { get; } = CliOptions.OptionalInt("--seed", "Override the scenario's seed.", int.MinValue);

    public Option<int?> Rounds { get; } = CliOptions.OptionalInt("--rounds", "Override stop.rounds.", 1);

    public Option<int?> Nodes { get; } = CliOptions.OptionalInt("--nodes", "Override the number of founding nodes.", 1);

    /// <summary>Adds the argument and the overrides to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Scenario);
        command.Options.Add(Seed);
        command.Options.Add(Rounds);
        command.Options.Add(Nodes);
    }

    /// <summary>The scenario named on the command line (null: the default) and its overrides.</summary>
    public (string? Scenario, ScenarioOverrides Overrides) Bind(ParseResult result) =>
        (result.GetValue(Scenario), new ScenarioOverrides(result.GetValue(Seed), result.GetValue(Rounds), result.GetValue(Nodes)));
}

/// <summary>Command-line overrides of scenario fields; null leaves the file's value.</summary>
internal sealed record ScenarioOverrides(int? Seed, int? Rounds, int? Nodes)
{
    public void Apply(Scenario scenario)
    {
        scenario.Seed = Seed ?? scenario.Seed;
        scenario.Stop.Rounds = Rounds ?? scenario.Stop.Rounds;
        scenario.Nodes = Nodes ?? scenario.Nodes;
    }
}
