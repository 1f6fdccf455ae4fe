using System.Globalization;
using System.Text;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>
/// Writes docs/reproduction/results.md: per comparison a table (time to target, bytes to target,
/// final and best metric, traffic, rounds) and two plots, then the issue's targets, met or missed.
/// </summary>
/// <remarks>
/// The target of a comparison is set by the federated-style algorithms, so that MoDeST and FedAvg
/// both reach it: 95% of the lower final accuracy of the two (rounded down to 0.5%), or for RMSE
/// 105% of the higher final RMSE. Every algorithm of the group is measured against that target.
/// </remarks>
internal static class ReproductionReport
{
    public static string Write(string folder, string command, bool quick, IReadOnlyList<RunResult> results)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        Line($"# Reproduction results ({(quick ? "quick mode: softmax regression on the images, shorter runs" : "full mode: LeNet-5 and matrix factorisation with TorchSharp")})");
        Line();
        Line("Produced by:");
        Line();
        Line("```");
        Line(command);
        Line("```");
        Line();
        Line("Virtual time comes from the compute model (3 x batch x local steps x ms per sample, lognormal device speeds) and the");
        Line("simulated network (synthetic 227-site latency matrix, 100 Mbit/s up and down), so the numbers do not depend on the machine.");
        Line("Bytes are all bytes sent by all nodes, counted from the exact wire encoding of each message, the same way for every algorithm.");
        Line("Target of a comparison: 95% of the lower final accuracy of MoDeST and FedAvg (rounded down to 0.5%); for MovieLens");
        Line("three quarters of the way from the initial RMSE to the higher final RMSE of the two. s = 10 for MoDeST, FedAvg (server = node 0, never crashes); D-PSGD on the");
        Line("one-peer exponential graph; Gossip Learning pushes every 60 s. \"-\" = not reached in the run.");
        Line();
        var targets = new List<(string Group, double? TimeRatio, double? BytesRatio, bool BytesLowerBound)>();
        foreach (var group in results.GroupBy(r => r.Experiment.Group))
        {
            var runs = group.ToList();
            var lower = runs[0].Experiment.LowerIsBetter;
            var metric = lower ? "RMSE" : "accuracy";
            var target = Target(runs);
            var (timePlot, bytesPlot) = ReproductionPlots.Write(folder, group.Key, runs, target);
            Line($"## {group.Key}");
            Line();
            Line(Describe(runs[0]));
            Line();
            if (target is { } t)
            {
                Line(Invariant($"Target {metric}: {Metric(t, lower)}."));
                Line();
            }

            Line($"| algorithm | rounds | virtual time | time to target | rounds to target | bytes to target | final {metric} | best {metric} | total traffic | wall time |");
            Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var run in runs)
            {
                var hit = target is { } tt ? run.FirstReaching(tt) : null;
                Line(Invariant($"| {run.Experiment.Algorithm} | {run.Summary.Rounds} | {run.Summary.VirtualSeconds / 60:F1} min | {(hit is { } h ? $"{h.Seconds / 60:F1} min" : "-")} | {(hit is { } hr ? $"{hr.Round}" : "-")} | {(hit is { } hb ? Megabytes(hb.Bytes) : "-")} | {Metric(run.Final, lower)} | {Metric(run.Best, lower)} | {Megabytes(run.Summary.TotalBytes)} | {run.WallSeconds:F0} s |"));
            }

            Line();
            Line($"![{group.Key} vs time]({timePlot}) ![{group.Key} vs bytes]({bytesPlot})");
            Line();
            if (target is { } goal && runs.Count > 1)
            {
                targets.Add(Ratios(group.Key, runs, goal));
            }
        }

        WriteTargets(Line, targets, results);
        var text = md.ToString();
        File.WriteAllText(Path.Combine(folder, "results.md"), text);
        return text;
    }

    private static void WriteTargets(Action<string> line, List<(string Group, double? TimeRatio, double? BytesRatio, bool BytesLowerBound)> targets, IReadOnlyList<RunResult> results)
    {
        line("## Targets of the issue");
        line("");
        line("| comparison | MoDeST / FedAvg time to target (goal <= 1.1) | D-PSGD / MoDeST bytes to target (goal >= 3) |");
        line("|---|---:|---:|");
        foreach (var (group, time, bytes, lowerBound) in targets)
        {
            line(Invariant($"| {group} | {(time is { } t ? $"{t:F2}" : "-")} | {(bytes is { } b ? $"{(lowerBound ? ">" : "")}{b:F1}" : "-")} |"));
        }

        line("");
        line("\">\" = D-PSGD did not reach the target; the ratio uses all it sent, so the real ratio is larger.");
        line("");
        if (results.FirstOrDefault(r => r.Experiment.Id == "crash") is { } crash)
        {
            // The last crash batch lands at t = 1200 s (80 of 100 gone).
            WriteCrash(line, crash);
        }

        if (results.FirstOrDefault(r => r.Experiment.Id == "crash-iid") is { } crashIid)
        {
            WriteCrash(line, crashIid);
        }

        if (results.FirstOrDefault(r => r.Experiment.Id == "join") is { } join)
        {
            line(Invariant($"Join experiment: {join.Summary.Joined} nodes joined, {join.Summary.OnlineAtEnd} online at the end, accuracy {join.Curve[0].Metric:P1} -> {join.Final:P1} in {join.Summary.Rounds} rounds."));
            line("");
        }
    }

    private static void WriteCrash(Action<string> line, RunResult crash)
    {
        // The last crash batch lands at t = 1200 s (80 of 100 gone).
        var before = crash.Curve.LastOrDefault(p => p.Seconds <= 1200);
        var after = crash.Curve.Where(p => p.Seconds > 1200).ToList();
        line(Invariant($"Crash experiment ({crash.Experiment.Id}): accuracy {before.Metric:P1} at t = {before.Seconds:F0} s (last evaluation before the 80th crash at 1200 s, {before.Online} online);"));
        if (after.Count > 0)
        {
            line(Invariant($"afterwards {after.Count} evaluations with 20 nodes, final {after[^1].Metric:P1} at t = {after[^1].Seconds:F0} s, best {after.Max(p => p.Metric):P1}, {after[^1].Round - before.Round} rounds after it: a change of {(after[^1].Metric - before.Metric) * 100:+0.0;-0.0} points."));
        }
        else
        {
            line("no evaluation after the 80th crash: the run stopped making rounds.");
        }

        line("");
    }

    private static (string, double?, double?, bool) Ratios(string group, List<RunResult> runs, double target)
    {
        RunResult? Of(string algorithm) => runs.FirstOrDefault(r => r.Experiment.Algorithm == algorithm);
        var modest = Of("modest")?.FirstReaching(target);
        var fedavg = Of("fedavg")?.FirstReaching(target);
        var dpsgdRun = Of("dpsgd");
        var dpsgd = dpsgdRun?.FirstReaching(target);
        double? time = modest is { } m && fedavg is { } f && f.Seconds > 0 ? m.Seconds / f.Seconds : null;
        double? bytes = null;
        var lowerBound = false;
        if (modest is { } mb && mb.Bytes > 0 && dpsgdRun is not null)
        {
            lowerBound = dpsgd is null;
            bytes = (dpsgd is { } d ? d.Bytes : dpsgdRun.Summary.TotalBytes) / (double)mb.Bytes;
        }

        return (group, time, bytes, lowerBound);
    }

    private static double? Target(List<RunResult> runs)
    {
        var reference = runs.Where(r => r.Experiment.Algorithm is "modest" or "fedavg").Select(r => r.Final).Where(double.IsFinite).ToList();
        if (reference.Count == 0)
        {
            return null;
        }

        if (!runs[0].Experiment.LowerIsBetter)
        {
            return Math.Floor(reference.Min() * 0.95 * 200) / 200;
        }

        // RMSE starts close to its floor (the initial bias is the mean rating): the target is three
        // quarters of the way from the initial RMSE down to the worse final RMSE of the two.
        var initial = runs[0].Curve[0].Metric;
        var worse = reference.Max();
        return Math.Ceiling((worse + (0.25 * Math.Max(0, initial - worse))) * 1000) / 1000;
    }

    private static string Describe(RunResult run)
    {
        var s = run.Experiment.Scenario;
        return Invariant($"{s.Nodes} nodes, {s.Learning.Model} on {s.Learning.Task}, {(s.Learning.Alpha > 0 ? $"Dirichlet alpha {s.Learning.Alpha}" : s.Learning.Task == "movielens" ? "one user per node" : "IID")}, lr {s.Learning.LearningRate}, batch {s.Learning.BatchSize}, {s.Learning.LocalSteps} local steps, stop at {s.Stop.Time.TotalMinutes:F0} virtual minutes{(s.Churn.Count > 0 ? $", churn: {string.Join("; ", s.Churn.Select(c => $"{c.Kind} {c.Count} every {c.Every.TotalSeconds:F0} s from {c.At.TotalSeconds:F0} s, {c.Total ?? c.Count} in all"))}" : "")}.");
    }

    private static string Metric(double value, bool lower) => double.IsFinite(value) ? lower ? Invariant($"{value:F3}") : Invariant($"{value * 100:F1}%") : "-";

    private static string Megabytes(long bytes) => Invariant($"{bytes / 1e6:F1} MB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
