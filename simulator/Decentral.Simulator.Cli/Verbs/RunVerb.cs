using System.CommandLine;
using System.Text.Json;
using Decentral.Cli;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;
using Spectre.Console;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary><c>run [SCENARIO]</c> (also the root command's action): runs a scenario and writes telemetry, summary and the effective scenario.</summary>
internal static class RunVerb
{
    public const string QuietDescription = "Plain progress lines on stderr instead of the progress bar (also when stdout is not a terminal).";

    public static Command Create()
    {
        var command = new Command("run", "Run a scenario: write telemetry.jsonl, summary.json and scenario.json, show progress and a summary.");
        Configure(command);
        return command;
    }

    /// <summary>Adds the run's argument, options and action to <paramref name="command"/> (the root runs too).</summary>
    public static void Configure(Command command)
    {
        var scenario = new ScenarioArguments(required: false);
        scenario.AddTo(command);
        var outDir = new Option<string?>("--out") { Description = "Where to write telemetry.jsonl, summary.json and scenario.json [default: runs/<name>].", HelpName = "dir" };
        var data = DataOption();
        var quiet = new Option<bool>("--quiet") { Description = QuietDescription };
        command.Options.Add(outDir);
        command.Options.Add(data);
        command.Options.Add(quiet);
        command.SetAction(result =>
        {
            var (name, overrides) = scenario.Bind(result);
            var load = ScenarioSource.Load(name, result.CommandResult.Command.Subcommands.Select(c => c.Name), overrides.Apply);
            return Execute(load, result.GetValue(outDir), result.GetValue(data), result.GetValue(quiet) || Console.IsOutputRedirected, result.InvocationConfiguration.Error);
        });
    }

    /// <summary>The --data option of the verbs that load real datasets.</summary>
    public static Option<string?> DataOption() =>
        new("--data") { Description = "Data folder of the real datasets [default: ./data, or $DECENTRAL_DATA].", HelpName = "dir" };

    private static int Execute(ScenarioLoad load, string? outOption, string? dataRoot, bool plain, TextWriter error)
    {
        if (!load.Ok)
        {
            return Report.Errors(error, load);
        }

        Report.Warnings(error, load.Warnings);

        var scenario = load.Scenario!;

        // Checked before the data is loaded: a bad folder should not cost a dataset load.
        var outDir = outOption ?? Path.Combine("runs", scenario.Name);
        if (OutputFolder.Prepare(outDir) is { } unusable)
        {
            return Report.Errors(error, [$"--out {unusable}"]);
        }

        var learning = ScenarioLearning.Create(scenario, dataRoot);
        if (!learning.Ok)
        {
            return Report.Errors(error, [learning.Error!]);
        }

        File.WriteAllText(Path.Combine(outDir, "scenario.json"), JsonSerializer.Serialize(scenario, ScenarioLoader.JsonOptions));
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(scenario.Name)}[/]: {scenario.Nodes} nodes, s={scenario.Protocol.SampleSize}, a={scenario.Protocol.Aggregators}, " +
            $"{scenario.Stop.Rounds} rounds or {scenario.Stop.Time} virtual; {Markup.Escape(learning.Setup!.Description)}");
        var meter = new ProgressMeter(TimeProvider.System);
        RunSummary summary;
        using (var telemetry = new StreamWriter(Path.Combine(outDir, "telemetry.jsonl")))
        {
            var run = new ModestRun(scenario, learning.Setup, telemetry);
            if (plain)
            {
                var lines = new PlainProgress(error, meter);
                summary = run.Run(lines.Report);
                // The closing line: a run stopped by time ends at stop.time, whenever its last event was.
                var stop = (long)(scenario.Stop.Time.TotalSeconds * 1e6);
                lines.Report(new RunProgress(summary.Rounds, scenario.Stop.Rounds, summary.ReachedTargetRounds ? (long)(summary.VirtualSeconds * 1e6) : stop, summary.OnlineAtEnd, stop));
            }
            else
            {
                summary = RunWithProgress(run, meter);
            }
        }

        File.WriteAllText(Path.Combine(outDir, "summary.json"), SummaryJson.Write(summary));
        SummaryTable.Print(summary, meter.Elapsed, outDir);
        return summary.Rounds > 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static RunSummary RunWithProgress(ModestRun run, ProgressMeter meter)
    {
        RunSummary? summary = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                summary = run.Run(p =>
                {
                    task.Value = p.Fraction;
                    task.Description = Markup.Escape(meter.Describe(p));
                });
                task.Value = task.MaxValue;
            });
        return summary!;
    }
}
