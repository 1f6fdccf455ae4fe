using System.Globalization;
using System.Text.Json;
using Decentral.Learning.Torch;
using Decentral.Simulator.Cli;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;
using Spectre.Console;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
TorchLearning.Register();
return CommandLine.Parse(args) switch
{
    { Error: { } error } => Fail(error, 2),
    { Verb: "help" } => Help(),
    { Verb: "validate" } cmd => Validate(cmd),
    { Verb: "run" } cmd => Run(cmd),
    { Verb: "reproduce" } cmd => Decentral.Simulator.Cli.Reproduction.Reproducer.Run(
        cmd.Quick, cmd.Only, cmd.Seeds, cmd.OutDir ?? Path.Combine("docs", "reproduction", cmd.Quick ? "quick" : "full"), cmd.DataRoot, cmd.Quiet || Console.IsOutputRedirected,
        "decentral-sim " + string.Join(' ', args)),
    var cmd => Fail($"unknown command '{cmd.Verb}'. Try 'help'.", 2),
};

static int Help()
{
    Console.WriteLine("""
        decentral-sim: run MoDeST scenarios on the discrete-event simulator.

        usage:
          decentral-sim [run] [SCENARIO] [options]   run a scenario (default: the embedded quickstart)
          decentral-sim validate SCENARIO            check a scenario file and print the effective settings
          decentral-sim reproduce [--quick] [--only IDS] [--seeds N] [--out DIR]
                                                     run the paper's comparisons (MoDeST, FedAvg, D-PSGD, Gossip Learning on
                                                     MNIST, Fashion-MNIST, MovieLens; crash and join) and write results.md,
                                                     curves.csv and plots (default docs/reproduction/{quick,full})
          decentral-sim help

        SCENARIO is a path to a JSON file, or the name of one in configs/ (quickstart, crash, join, partition, sessions, scale).
        options:
          --out DIR        where to write telemetry.jsonl, summary.json, scenario.json (default runs/<name>)
          --seed N         override the scenario seed
          --rounds N       override stop.rounds
          --nodes N        override the number of founding nodes
          --data DIR       data folder for real datasets (default: ./data or $DECENTRAL_DATA)
          --quiet          no progress display
          --quick          reproduce: softmax regression instead of LeNet-5, shorter runs (minutes)
          --only IDS       reproduce: only experiments whose id starts with one of these (comma-separated)
          --seeds N        reproduce: run every experiment with seeds 1..N (default 1); tables show means over seeds,
                           the range and how many seeds reached the target
        """);
    return 0;
}

static int Validate(CommandLine cmd)
{
    var load = ScenarioSource.Load(cmd.Scenario);
    if (!load.Ok)
    {
        return Errors(load.Errors);
    }

    Console.WriteLine(JsonSerializer.Serialize(load.Scenario, ScenarioLoader.JsonOptions));
    return 0;
}

static int Run(CommandLine cmd)
{
    var load = ScenarioSource.Load(cmd.Scenario);
    if (!load.Ok)
    {
        return Errors(load.Errors);
    }

    var scenario = load.Scenario!;
    cmd.ApplyOverrides(scenario);
    var errors = ScenarioLoader.Validate(scenario);
    if (errors.Count > 0)
    {
        return Errors(errors);
    }

    var learning = ScenarioLearning.Create(scenario, cmd.DataRoot);
    if (!learning.Ok)
    {
        return Fail(learning.Error!, 2);
    }

    var outDir = cmd.OutDir ?? Path.Combine("runs", scenario.Name);
    Directory.CreateDirectory(outDir);
    File.WriteAllText(Path.Combine(outDir, "scenario.json"), JsonSerializer.Serialize(scenario, ScenarioLoader.JsonOptions));
    AnsiConsole.MarkupLine($"[bold]{Markup.Escape(scenario.Name)}[/]: {scenario.Nodes} nodes, s={scenario.Protocol.SampleSize}, a={scenario.Protocol.Aggregators}, " +
        $"{scenario.Stop.Rounds} rounds or {scenario.Stop.Time} virtual; {Markup.Escape(learning.Setup!.Description)}");
    var started = System.Diagnostics.Stopwatch.StartNew();
    RunSummary summary;
    using (var telemetry = new StreamWriter(Path.Combine(outDir, "telemetry.jsonl")))
    {
        var run = new ModestRun(scenario, learning.Setup, telemetry);
        summary = cmd.Quiet || Console.IsOutputRedirected
            ? run.Run(p => Console.Error.WriteLine($"round {p.Round}/{p.TargetRounds}  t={p.VirtualTicks / 1e6:F0}s  online={p.OnlineNodes}"))
            : RunWithProgress(run, scenario);
    }

    File.WriteAllText(Path.Combine(outDir, "summary.json"), SummaryJson.Write(summary));
    SummaryTable.Print(summary, started.Elapsed, outDir);
    return summary.Rounds > 0 ? 0 : 1;
}

static RunSummary RunWithProgress(ModestRun run, Scenario scenario)
{
    RunSummary? summary = null;
    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .Start(ctx =>
        {
            var task = ctx.AddTask("rounds", maxValue: scenario.Stop.Rounds);
            summary = run.Run(p =>
            {
                task.Value = p.Round;
                task.Description = $"round {p.Round}, t={p.VirtualTicks / 1e6:F0}s, online {p.OnlineNodes}";
            });
            task.Value = task.MaxValue;
        });
    return summary!;
}

static int Errors(IReadOnlyList<string> errors)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"error: {error}");
    }

    return 2;
}

static int Fail(string message, int code)
{
    Console.Error.WriteLine($"error: {message}");
    return code;
}
