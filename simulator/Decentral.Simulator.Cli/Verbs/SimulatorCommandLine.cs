using System.CommandLine;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary>The decentral-sim command tree: one line per verb; a bare scenario (or nothing) runs it.</summary>
internal static class SimulatorCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("decentral-sim: run MoDeST scenarios on the discrete-event simulator. Without a verb it runs SCENARIO (default: the embedded quickstart).");
        RunVerb.Configure(root);
        root.Subcommands.Add(RunVerb.Create());
        root.Subcommands.Add(ValidateVerb.Create());
        root.Subcommands.Add(ReproduceVerb.Create());
        root.Subcommands.Add(HelpVerb.Create(root));
        return root;
    }
}
