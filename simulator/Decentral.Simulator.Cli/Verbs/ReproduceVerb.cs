using System.CommandLine;
using Decentral.Cli;
using Decentral.Simulator.Cli.Reproduction;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary><c>reproduce</c>: the paper's comparisons, written as results.md, curves.csv and plots.</summary>
internal static class ReproduceVerb
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Softmax regression instead of LeNet-5 and shorter runs (minutes instead of hours)." };
        var only = CliOptions.Text("--only", "Only the experiments whose id starts with one of these (comma-separated).", "ids");
        var seeds = CliOptions.Int("--seeds", "Run every experiment with seeds 1..N; tables show means over the seeds, the range and how many seeds reached the target.", 1).WithDefault(1);
        var outDir = new Option<string?>("--out") { Description = "Where to write results.md, curves.csv and the plots [default: docs/reproduction/quick or docs/reproduction/full].", HelpName = "dir" };
        var data = RunVerb.DataOption();
        var quiet = new Option<bool>("--quiet") { Description = RunVerb.QuietDescription };
        var command = new Command("reproduce", "Run the paper's comparisons (MoDeST, FedAvg, D-PSGD, Gossip Learning on MNIST, Fashion-MNIST, MovieLens; crash and join) and write results.md, curves.csv and plots.")
        {
            quick, only, seeds, outDir, data, quiet,
        };
        command.SetAction(result =>
        {
            var isQuick = result.GetValue(quick);
            var folder = result.GetValue(outDir) ?? Path.Combine("docs", "reproduction", isQuick ? "quick" : "full");
            return Reproducer.Run(isQuick, result.GetValue(only), result.GetValue(seeds), folder, result.GetValue(data),
                result.GetValue(quiet) || Console.IsOutputRedirected, "decentral-sim " + string.Join(' ', result.Tokens.Select(t => t.Value)));
        });
        return command;
    }
}
