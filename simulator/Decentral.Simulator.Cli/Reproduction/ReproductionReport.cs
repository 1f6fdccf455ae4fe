using System.Globalization;
using System.Text;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>
/// Writes docs/reproduction/results.md: per comparison a table (time to target, bytes to target,
/// final and best metric, traffic, rounds) and two plots, then the issue's targets, met or missed.
/// With several seeds every cell is the mean over seeds with its range, and the table counts the
/// seeds that reached the target (numbers from <see cref="SeedStatistics"/>).
/// </summary>
/// <remarks>
/// The target of a comparison is set by the federated-style algorithms, so that MoDeST and FedAvg
/// both reach it: 95% of the lower (mean) final accuracy of the two (rounded down to 0.5%), or for
/// RMSE three quarters of the way down to the higher final RMSE. Every algorithm and every seed of
/// the group is measured against that one target.
/// </remarks>
internal static class ReproductionReport
{
    public static string Write(string folder, string command, bool quick, IReadOnlyList<RunResult> results)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        var seeds = results.Select(r => r.Experiment.Seed).Distinct().Order().ToList();
        var several = seeds.Count > 1;
        Line($"# Reproduction results ({(quick ? "quick mode: softmax regression on the images, shorter runs" : "full mode: LeNet-5 and matrix factorisation with TorchSharp")})");
        ProducedBy(Line, command);
        Line("Virtual time comes from the compute model (3 x batch x local steps x ms per sample, lognormal device speeds) and the");
        Line("simulated network (synthetic 227-site latency matrix, 100 Mbit/s up and down), so the numbers do not depend on the machine.");
        Line("Bytes are all bytes sent by all nodes, counted from the exact wire encoding of each message, the same way for every algorithm.");
        Line("Target of a comparison: 95% of the lower final accuracy of MoDeST and FedAvg (rounded down to 0.5%); for MovieLens");
        Line("three quarters of the way from the initial RMSE to the higher final RMSE of the two. s = 10 for MoDeST, FedAvg (server = node 0, never crashes, unlimited link); D-PSGD on the");
        Line("one-peer exponential graph; Gossip Learning pushes every 60 s. \"-\" = not reached in the run.");
        Line();
        if (several)
        {
            Line($"Seeds: every experiment ran with the {seeds.Count} seeds {string.Join(", ", seeds)} (the scenario seed: it drives everything random in a run).");
            Line("The target uses the final values averaged over the seeds, so all seeds of a comparison share one target.");
            Line("A cell reads \"mean (min-max)\" over the seeds; the \"to target\" cells average only the seeds that reached the target, and");
            Line("\"reached\" counts them. Rounds, virtual time, traffic and wall time are means per run. Plots: seed " + seeds[0] + " bold with markers, the other seeds thin.");
            Line();
        }

        var targets = new List<TargetRatios>();
        var codecs = new List<CodecRatios>();
        foreach (var group in results.GroupBy(r => r.Experiment.Group))
        {
            var runs = group.ToList();
            var lower = runs[0].Experiment.LowerIsBetter;
            var metric = lower ? "RMSE" : "accuracy";
            var target = SeedStatistics.Target(runs);
            var algorithms = SeedStatistics.ByAlgorithm(runs);
            var (timePlot, bytesPlot) = ReproductionPlots.Write(folder, group.Key, runs, target);
            Line($"## {group.Key}");
            Line();
            Line(Describe(runs[0]));
            Line();
            if (target is { } t)
            {
                Line(Invariant($"Target {metric}{(several ? " (from the mean final values over seeds)" : "")}: {Metric(t, lower)}."));
                Line();
            }

            Line($"| algorithm | rounds | virtual time |{(several ? " reached |" : "")} time to target | rounds to target | bytes to target | final {metric} | best {metric} | total traffic | wall time |");
            Line($"|---|---:|---:|{(several ? "---:|" : "")}---:|---:|---:|---:|---:|---:|---:|");
            foreach (var seedRuns in algorithms)
            {
                var a = SeedStatistics.Summarize(seedRuns, target);
                Line(Invariant($"| {a.Algorithm} | {Mean(a.Rounds, v => $"{v:F0}")} | {Mean(a.VirtualSeconds, v => $"{v / 60:F1} min")} |{(several ? $" {a.Reached}/{a.Seeds} |" : "")} {Cell(a.SecondsToTarget, v => $"{v / 60:F1}", " min")} | {Cell(a.RoundsToTarget, v => $"{v:F0}", "")} | {Cell(a.BytesToTarget, v => $"{v / 1e6:F1}", " MB")} | {MetricCell(a.Final, lower)} | {Mean(a.Best, v => Metric(v, lower))} | {Mean(a.TotalBytes, v => $"{v / 1e6:F1} MB")} | {Mean(a.WallSeconds, v => $"{v:F0} s")} |"));
            }

            Line();
            Line($"![{group.Key} vs time]({timePlot}) ![{group.Key} vs bytes]({bytesPlot})");
            Line();
            if (target is { } goal && algorithms.Count > 1)
            {
                targets.Add(SeedStatistics.Ratios(group.Key, runs, goal));
                codecs.AddRange(SeedStatistics.Codecs(group.Key, runs, goal));
            }
        }

        WriteTargets(Line, targets, results, several);
        WriteCodecs(Line, codecs);
        var text = md.ToString();
        File.WriteAllText(Path.Combine(folder, "results.md"), text);
        return text;
    }

    /// <summary>The lines after a report's title: the command that produced it, in a code block.</summary>
    internal static void ProducedBy(Action<string> line, string command)
    {
        line("");
        line("Produced by:");
        line("");
        line("```");
        line(command);
        line("```");
        line("");
    }

    /// <summary>"12.4 min (11.0-14.1)": the mean, and the range when more than one seed has a value; "-" for none.</summary>
    internal static string Cell(Spread? spread, Func<double, string> number, string unit) => spread switch
    {
        null => "-",
        { Count: 1 } s => number(s.Mean) + unit,
        { } s => $"{number(s.Mean)}{unit} ({number(s.Min)}-{number(s.Max)})",
    };

    private static string MetricCell(Spread? spread, bool lower) =>
        lower ? Cell(spread, v => Invariant($"{v:F3}"), "") : Cell(spread, v => Invariant($"{v * 100:F1}"), "%");

    private static string Mean(Spread? spread, Func<double, string> format) => spread is { } s ? format(s.Mean) : "-";

    private static void WriteTargets(Action<string> line, List<TargetRatios> targets, IReadOnlyList<RunResult> results, bool several)
    {
        line("## Targets of the issue");
        line("");
        if (several)
        {
            line("Ratios of the means over seeds (\"-\" unless every seed reached the target), then the ratio of each seed in seed order.");
            line("");
            line("| comparison | MoDeST / FedAvg time to target (goal <= 1.1) | per seed | D-PSGD / MoDeST bytes to target (goal >= 3) | per seed |");
            line("|---|---:|---:|---:|---:|");
        }
        else
        {
            line("| comparison | MoDeST / FedAvg time to target (goal <= 1.1) | D-PSGD / MoDeST bytes to target (goal >= 3) |");
            line("|---|---:|---:|");
        }

        foreach (var r in targets)
        {
            line(several
                ? $"| {r.Group} | {TimeRatio(r.Time)} | {string.Join(", ", r.TimePerSeed.Select(TimeRatio))} | {BytesRatio(r.Bytes)} | {string.Join(", ", r.BytesPerSeed.Select(BytesRatio))} |"
                : $"| {r.Group} | {TimeRatio(r.Time)} | {BytesRatio(r.Bytes)} |");
        }

        line("");
        line("\">\" = D-PSGD did not reach the target; the ratio uses all it sent, so the real ratio is larger.");
        line("");
        foreach (var id in new[] { "crash", "crash-iid" })
        {
            // The last crash batch lands at t = 1200 s (80 of 100 gone).
            foreach (var crash in results.Where(r => r.Experiment.Id == id).OrderBy(r => r.Experiment.Seed))
            {
                WriteCrash(line, crash, several);
            }
        }

        foreach (var join in results.Where(r => r.Experiment.Id == "join").OrderBy(r => r.Experiment.Seed))
        {
            line(Invariant($"Join experiment{(several ? $" (seed {join.Experiment.Seed})" : "")}: {join.Summary.Joined} nodes joined, {join.Summary.OnlineAtEnd} online at the end, accuracy {join.Curve[0].Metric:P1} -> {join.Final:P1} in {join.Summary.Rounds} rounds."));
            line("");
        }
    }

    // Each MoDeST codec against plain fp32 MoDeST on the same comparison and seeds.
    private static void WriteCodecs(Action<string> line, List<CodecRatios> codecs)
    {
        if (codecs.Count == 0)
        {
            return;
        }

        line("## Codecs against fp32 MoDeST");
        line("");
        line("Each codec's MoDeST run against plain fp32 MoDeST with the same seeds and the same target: how many times fewer bytes it sent until the target");
        line("(fp32 bytes to target / codec bytes to target), its time to target over fp32's, and D-PSGD's bytes to target (fp32, as the paper runs it) over the codec's.");
        line("Means over seeds (\"-\" unless both reached the target with every seed), then per seed in seed order. Goals (issue 8): at least 4x fewer bytes at");
        line("no more than 1.1x the time, and D-PSGD / MoDeST at least 10.");
        line("");
        line("| comparison | codec | fewer bytes to target (goal >= 4) | per seed | time to target (goal <= 1.1) | per seed | D-PSGD / codec bytes to target (goal >= 10) | per seed | goals met |");
        line("|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var c in codecs)
        {
            var verdict = c.FewerBytes is null || c.Time is null ? "no (a seed missed the target)"
                : !(c.FewerBytes >= 4 && c.Time <= 1.1) ? "no"
                : c.Dpsgd is not { } dpsgd ? "yes (no D-PSGD run)"
                : dpsgd.Value >= 10 ? "yes" : "no (D-PSGD ratio)";
            line($"| {c.Group} | {c.Algorithm["modest ".Length..]} | {TimeRatio(c.FewerBytes)} | {string.Join(", ", c.FewerBytesPerSeed.Select(TimeRatio))} | {TimeRatio(c.Time)} | {string.Join(", ", c.TimePerSeed.Select(TimeRatio))} | {BytesRatio(c.Dpsgd)} | {string.Join(", ", c.DpsgdPerSeed.Select(BytesRatio))} | {verdict} |");
        }

        line("");
    }

    private static string TimeRatio(double? ratio) => ratio is { } t ? Invariant($"{t:F2}") : "-";

    private static string BytesRatio(Ratio? ratio) => ratio is { } b ? Invariant($"{(b.LowerBound ? ">" : "")}{b.Value:F1}") : "-";

    private static void WriteCrash(Action<string> line, RunResult crash, bool several)
    {
        // The last crash batch lands at t = 1200 s (80 of 100 gone).
        var before = crash.Curve.LastOrDefault(p => p.Seconds <= 1200);
        var after = crash.Curve.Where(p => p.Seconds > 1200).ToList();
        line(Invariant($"Crash experiment ({crash.Experiment.Id}{(several ? $", seed {crash.Experiment.Seed}" : "")}): accuracy {before.Metric:P1} at t = {before.Seconds:F0} s (last evaluation before the 80th crash at 1200 s, {before.Online} online);"));
        if (after.Count > 0)
        {
            line(Invariant($"afterwards {after.Count} evaluations with 20 nodes, final {after[^1].Metric:P1} at t = {after[^1].Seconds:F0} s, best {after.Max(p => p.Metric):P1}, {after[^1].Round - before.Round} rounds after it: a change of {(after[^1].Metric - before.Metric) * 100:+0.0;-0.0} points."));

            // One evaluation of a non-IID aggregate swings with the classes of its few trainers, so
            // also compare means over windows: the 5 minutes before the last crash and the run's last 5.
            var end = crash.Curve[^1].Seconds;
            var ahead = crash.Curve.Where(p => p.Seconds > 900 && p.Seconds <= 1200).Select(p => p.Metric).ToList();
            var last = crash.Curve.Where(p => p.Seconds > end - 300 && p.Seconds > 1200).Select(p => p.Metric).ToList();
            if (ahead.Count > 0 && last.Count > 0)
            {
                line(Invariant($"Mean over the evaluations of t = 900-1200 s: {ahead.Average():P1} ({ahead.Count}); of the last 5 minutes: {last.Average():P1} ({last.Count}): {(last.Average() - ahead.Average()) * 100:+0.0;-0.0} points."));
            }
        }
        else
        {
            line("no evaluation after the 80th crash: the run stopped making rounds.");
        }

        line("");
    }

    private static string Describe(RunResult run)
    {
        var s = run.Experiment.Scenario;
        return Invariant($"{s.Nodes} nodes, {s.Learning.Model} on {s.Learning.Task}, {(s.Learning.Alpha > 0 ? $"Dirichlet alpha {s.Learning.Alpha}" : s.Learning.Task == "movielens" ? "one user per node" : "IID")}, lr {s.Learning.LearningRate}, batch {s.Learning.BatchSize}, {s.Learning.LocalSteps} local steps, stop at {s.Stop.Time.TotalMinutes:F0} virtual minutes{(s.Churn.Count > 0 ? $", churn: {string.Join("; ", s.Churn.Select(c => $"{c.Kind} {c.Count} every {c.Every.TotalSeconds:F0} s from {c.At.TotalSeconds:F0} s, {c.Total ?? c.Count} in all"))}" : "")}.");
    }

    private static string Metric(double value, bool lower) => double.IsFinite(value) ? lower ? Invariant($"{value:F3}") : Invariant($"{value * 100:F1}%") : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
