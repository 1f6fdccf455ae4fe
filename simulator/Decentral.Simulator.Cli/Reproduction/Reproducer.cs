using System.Diagnostics;
using System.Globalization;
using System.Text;
using Decentral.Cli;
using Decentral.Simulator.Runner;
using Spectre.Console;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>
/// The <c>reproduce</c> verb: runs every experiment of a suite (<see cref="ReproductionPlan"/>, or
/// <see cref="RobustnessPlan"/> with <c>--suite robustness</c>) one after
/// another (one core: the machine is shared), each with one or more seeds, with a progress display,
/// keeps each run's telemetry in runs/reproduction/ (seed 1: {id}.jsonl, seed k: {id}-s{k}.jsonl),
/// and writes results.md, curves.csv and the plots to the output folder.
/// </summary>
internal static class Reproducer
{
    /// <summary>The suites: the paper's comparisons and the robustness matrix.</summary>
    public static IReadOnlyList<string> Suites { get; } = ["paper", "robustness"];

    /// <summary>Where a suite writes by default: docs/reproduction/{quick,full} and docs/reproduction/robustness-{quick,full}.</summary>
    public static string DefaultOut(string suite, bool quick) =>
        Path.Combine("docs", "reproduction", (suite == "robustness" ? "robustness-" : "") + (quick ? "quick" : "full"));

    public static int Run(string suite, bool quick, string? only, int seeds, string outDir, string? dataRoot, bool plain, string command)
    {
        var robustness = suite == "robustness";
        var plan = robustness ? RobustnessPlan.Create(quick, seeds) : ReproductionPlan.Create(quick, seeds);
        var experiments = plan.Where(e => only is null || only.Split(',').Any(o => e.Id.StartsWith(o, StringComparison.Ordinal))).ToList();
        if (experiments.Count == 0)
        {
            Console.Error.WriteLine($"error: no experiment matches --only '{only}'.");
            return 2;
        }

        var telemetryDir = Path.Combine("runs", "reproduction", (robustness ? "robustness-" : "") + (quick ? "quick" : "full"));
        if ((OutputFolder.Prepare(outDir) is { } badOut ? $"--out {badOut}" : OutputFolder.Prepare(telemetryDir)) is { } unusable)
        {
            Console.Error.WriteLine($"error: {unusable}");
            return ExitCodes.BadInput;
        }

        var results = new List<RunResult>();
        var meter = new ProgressMeter(TimeProvider.System);
        string? failure = null;
        void RunAll(Action<Experiment, RunProgress?> report)
        {
            foreach (var experiment in experiments)
            {
                var learning = ScenarioLearning.Create(experiment.Scenario, dataRoot);
                if (!learning.Ok)
                {
                    failure = $"{experiment.Id}: {learning.Error}";
                    return;
                }

                meter = new ProgressMeter(TimeProvider.System);
                report(experiment, null);
                var clock = Stopwatch.StartNew();
                using var telemetry = new StreamWriter(Path.Combine(telemetryDir, experiment.RunName + ".jsonl"));
                var run = new ModestRun(experiment.Scenario, learning.Setup!, telemetry);
                var summary = run.Run(p => report(experiment, p));
                results.Add(RunResult.From(experiment, run, summary, clock.Elapsed.TotalSeconds));
                var stop = (long)(experiment.Scenario.Stop.Time.TotalSeconds * 1e6);
                report(experiment, new RunProgress(summary.Rounds, experiment.Scenario.Stop.Rounds, stop, summary.OnlineAtEnd, stop));
            }
        }

        if (plain)
        {
            PlainProgress? lines = null;
            RunAll((e, p) =>
            {
                if (p is null)
                {
                    Console.Error.WriteLine($"[{results.Count + 1}/{experiments.Count}] {e.RunName}");
                    lines = new PlainProgress(Console.Error, meter, step: 10);
                }
                else
                {
                    lines!.Report(p.Value);
                }
            });
        }
        else
        {
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var overall = ctx.AddTask("experiments", maxValue: experiments.Count);
                    var current = ctx.AddTask("", maxValue: 1);
                    RunAll((e, p) =>
                    {
                        overall.Value = results.Count;
                        current.Description = Markup.Escape($"[{experiments.IndexOf(e) + 1}/{experiments.Count}] {e.RunName}" + (p is { } now ? $": {meter.Describe(now)}" : ""));
                        current.Value = p?.Fraction ?? 0;
                    });
                    overall.Value = results.Count;
                });
        }

        if (results.Count > 0)
        {
            WriteCurves(Path.Combine(outDir, "curves.csv"), results);
            if (robustness)
            {
                RobustnessReport.Write(outDir, command, quick, results);
            }
            else
            {
                ReproductionReport.Write(outDir, command, quick, results);
            }

            Console.WriteLine($"wrote {Path.Combine(outDir, "results.md")} ({results.Count} runs; telemetry in {telemetryDir})");
        }

        if (failure is not null)
        {
            Console.Error.WriteLine($"error: {failure}");
            return 2;
        }

        return 0;
    }

    private static void WriteCurves(string path, List<RunResult> results)
    {
        var csv = new StringBuilder("experiment,algorithm,seed,virtual_seconds,total_bytes,metric,online\n");
        foreach (var run in results)
        {
            foreach (var p in run.Curve)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{run.Experiment.Id},{run.Experiment.Algorithm},{run.Experiment.Seed},{p.Seconds:F3},{p.Bytes},{p.Metric:F6},{p.Online}\n");
            }
        }

        File.WriteAllText(path, csv.ToString());
    }
}
