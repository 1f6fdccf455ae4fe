using System.Runtime.CompilerServices;
using Decentral.Simulator.Scenarios;

[assembly: InternalsVisibleTo("Decentral.Simulator.Cli.Tests")]

namespace Decentral.Simulator.Cli;

/// <summary>The parsed command line; <see cref="Error"/> is set for bad arguments.</summary>
internal sealed record CommandLine(string Verb, string? Scenario, string? OutDir, int? Seed, int? Rounds, int? Nodes, string? DataRoot, bool Quiet, string? Error, bool Quick = false, string? Only = null, int Seeds = 1)
{
    public static CommandLine Parse(string[] args)
    {
        var verb = "run";
        string? scenario = null, outDir = null, data = null;
        int? seed = null, rounds = null, nodes = null;
        var quiet = false;
        var quick = false;
        string? only = null;
        var seeds = 1;
        var i = 0;
        if (args.Length > 0 && args[0] is "run" or "validate" or "reproduce" or "help" or "--help" or "-h")
        {
            verb = args[0].TrimStart('-') is "h" ? "help" : args[0].TrimStart('-');
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            var arg = args[i];
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (arg)
            {
                case "--out":
                    outDir = Next();
                    if (outDir is null)
                    {
                        return Bad("--out needs a folder.");
                    }

                    break;
                case "--data":
                    data = Next();
                    if (data is null)
                    {
                        return Bad("--data needs a folder.");
                    }

                    break;
                case "--seed" or "--rounds" or "--nodes":
                    if (!int.TryParse(Next(), out var value) || (arg != "--seed" && value < 1))
                    {
                        return Bad($"{arg} needs a {(arg == "--seed" ? "whole number" : "positive whole number")}.");
                    }

                    switch (arg)
                    {
                        case "--seed":
                            seed = value;
                            break;
                        case "--rounds":
                            rounds = value;
                            break;
                        default:
                            nodes = value;
                            break;
                    }

                    break;
                case "--seeds":
                    if (!int.TryParse(Next(), out seeds) || seeds < 1)
                    {
                        return Bad("--seeds needs a whole number of seeds, 1 or more.");
                    }

                    break;
                case "--quiet":
                    quiet = true;
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--only":
                    only = Next();
                    if (only is null)
                    {
                        return Bad("--only needs experiment ids (comma-separated substrings).");
                    }

                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal))
                    {
                        return Bad($"unknown option '{arg}'. Try 'help'.");
                    }

                    if (scenario is not null)
                    {
                        return Bad($"only one scenario at a time (got '{scenario}' and '{arg}').");
                    }

                    scenario = arg;
                    break;
            }
        }

        if (verb == "validate" && scenario is null)
        {
            return Bad("validate needs a scenario.");
        }

        return new CommandLine(verb, scenario, outDir, seed, rounds, nodes, data, quiet, null, quick, only, seeds);

        static CommandLine Bad(string error) => new("run", null, null, null, null, null, null, false, error);
    }

    public void ApplyOverrides(Scenario scenario)
    {
        scenario.Seed = Seed ?? scenario.Seed;
        scenario.Stop.Rounds = Rounds ?? scenario.Stop.Rounds;
        scenario.Nodes = Nodes ?? scenario.Nodes;
    }
}
