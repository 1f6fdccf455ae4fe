using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Decentral.Cli;
using Decentral.Simulator.Cli.Reproduction;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary><c>reproduce</c>: a suite of experiments (the paper's comparisons, or the robustness matrix), written as results.md, curves.csv and plots.</summary>
internal static class ReproduceVerb
{
    public static Command Create()
    {
        var suite = CliOptions.Parsed<string>("--suite", "paper: MoDeST against the baselines, crash and join; robustness: attacks x defences on MNIST and a Byzantine aggregator.", "suite",
            (string text, [NotNullWhen(true)] out string? value) => (value = Reproducer.Suites.Contains(text) ? text : null) is not null,
            $"one of {string.Join(", ", Reproducer.Suites)}").WithDefault("paper");
        var quick = new Option<bool>("--quick") { Description = "Softmax regression instead of LeNet-5 and shorter runs (minutes instead of hours); robustness: the whole matrix (f = 10, 20, 30%) instead of LeNet-5 at f = 20%." };
        var only = CliOptions.Text("--only", "Only the experiments whose id starts with one of these (comma-separated).", "ids");
        var seeds = CliOptions.Int("--seeds", "Run every experiment with seeds 1..N; tables show means over the seeds, the range and how many seeds reached the target.", 1).WithDefault(1);
        var outDir = new Option<string?>("--out") { Description = "Where to write results.md, curves.csv and the plots [default: docs/reproduction/quick or docs/reproduction/full; robustness: docs/reproduction/robustness-quick or -full].", HelpName = "dir" };
        var data = RunVerb.DataOption();
        var quiet = new Option<bool>("--quiet") { Description = RunVerb.QuietDescription };
        var command = new Command("reproduce", "Run the paper's comparisons (MoDeST, FedAvg, D-PSGD, Gossip Learning on MNIST, Fashion-MNIST, MovieLens; MoDeST with each model codec on the images; crash and join), or with --suite robustness the attack x defence matrix, and write results.md, curves.csv and plots.")
        {
            suite, quick, only, seeds, outDir, data, quiet,
        };
        command.SetAction(result =>
        {
            var isQuick = result.GetValue(quick);
            var chosen = result.GetValue(suite) ?? "paper";
            var folder = result.GetValue(outDir) ?? Reproducer.DefaultOut(chosen, isQuick);
            return Reproducer.Run(chosen, isQuick, result.GetValue(only), result.GetValue(seeds), folder, result.GetValue(data),
                result.GetValue(quiet) || Console.IsOutputRedirected, "decentral-sim " + string.Join(' ', result.Tokens.Select(t => t.Value)));
        });
        return command;
    }
}
