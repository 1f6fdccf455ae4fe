using System.Globalization;
using System.Text;

namespace Decentral.Soak;

/// <summary>The results tables of a soak (and its calm baseline) in Markdown, for docs/benchmarks/soak.md.</summary>
public static class SoakMarkdown
{
    /// <summary>Renders <paramref name="chaos"/>, against <paramref name="baseline"/> when there is one.</summary>
    public static string Render(SoakReport chaos, SoakReport? baseline)
    {
        ArgumentNullException.ThrowIfNull(chaos);
        var o = chaos.Options;
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.Append(inv, $"Measured by `scripts/soak.sh` on {chaos.Began:yyyy-MM-dd} ({Environment.ProcessorCount} cores, .NET {Environment.Version}, nodes niced by the script): ")
            .Append(inv, $"{o.Nodes} decentral-node processes on loopback, MNIST softmax regression, s = {o.SampleSize}, configs/node-local.json. ")
            .Append(inv, $"Load average (1 min) while the chaos phase ran: min {chaos.Load.Min:F1}, median {chaos.Load.Median:F1}, max {chaos.Load.Max:F1}")
            .AppendLine(baseline is null ? "." : string.Create(inv, $"; during the calm baseline: median {baseline.Load.Median:F1}, max {baseline.Load.Max:F1}."));
        s.AppendLine();
        var failures = chaos.Failures();
        var restarts = chaos.Restarts;
        var sampled = restarts.Where(r => r.SampledAfter is not null).Select(r => r.SampledAfter!.Value).Order().ToArray();
        var fatal = chaos.Nodes.Sum(n => n.Problems.Where(p => p.Key is LogProblem.Unhandled or LogProblem.Critical or LogProblem.StackTrace).Sum(p => p.Value));
        var errors = chaos.Nodes.Sum(n => n.Problems.GetValueOrDefault(LogProblem.Error));
        s.AppendLine("| goal | result |");
        s.AppendLine("|---|---|");
        s.AppendLine(inv, $"| unhandled exceptions, crit events, stack traces in any node's log | {fatal} ({errors} Error-level lines) |");
        s.AppendLine(inv, $"| kills -9 ({(o.KillEvery is { } e ? $"one every {e.TotalSeconds:F0} s" : "each once the previous victim was sampled again")}, over {chaos.Seconds:F0} s) | {restarts.Count} |");
        s.AppendLine(inv, $"| restarted nodes back from their checkpoint | {restarts.Count(r => r.How == "rejoin")} of {restarts.Count} |");
        s.Append(inv, $"| restarted nodes sampled again | {sampled.Length} of {restarts.Count}")
            .Append(sampled.Length > 0 ? string.Create(inv, $" (kill to first training: median {sampled[sampled.Length / 2]:F1} s, max {sampled[^1]:F1} s)") : "")
            .AppendLine(" |");
        s.AppendLine(inv, $"| nodes whose view (node.json members) holds every node at the end | {chaos.Nodes.Count(n => n.MissingFromView.Count == 0)} of {chaos.Nodes.Count} |");
        s.AppendLine(inv, $"| nodes that left gracefully on SIGTERM (exit 0) | {chaos.Nodes.Count(n => n.ExitCode == 0)} of {chaos.Nodes.Count} |");
        s.AppendLine(inv, $"| verdict | {(failures.Count == 0 ? "pass" : "FAIL: " + string.Join("; ", failures))} |");
        s.AppendLine();

        s.AppendLine("| run | seconds | rounds | rounds/min | rounds in each minute | best accuracy in the last minute |");
        s.AppendLine("|---|---:|---:|---:|---|---:|");
        if (baseline is not null)
        {
            s.AppendLine(RoundsRow("calm (no kills, no attacker)", baseline));
        }

        s.AppendLine(RoundsRow(o.Attack is null ? "chaos (kills)" : "chaos (kills + attacker)", chaos));
        if (baseline is not null && baseline.RoundsPerMinute > 0)
        {
            s.AppendLine();
            s.AppendLine(inv, $"Rounds per minute under chaos: **{chaos.RoundsPerMinute / baseline.RoundsPerMinute:F2}x** the calm run's.");
        }

        s.AppendLine();
        s.AppendLine("| node | processes | peak RSS (VmHWM, MiB) | RSS at phase start (MiB) | RSS at phase end (MiB) | Error-level lines |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var n in chaos.Nodes)
        {
            s.AppendLine(inv, $"| {n.Node} | {n.Processes} | {n.PeakRssMiB:F0} | {n.RssAtStartMiB:F0} | {n.RssAtEndMiB:F0} | {n.Problems.GetValueOrDefault(LogProblem.Error)} |");
        }

        s.AppendLine();
        s.AppendLine("| kill | node | at (s) | VmHWM then (MiB) | back by | log line after (s) | sampled again after (s) | in round |");
        s.AppendLine("|---:|---:|---:|---:|---|---:|---:|---:|");
        for (var i = 0; i < restarts.Count; i++)
        {
            var r = restarts[i];
            s.AppendLine(inv, $"| {i + 1} | {r.Node} | {r.KilledAtSeconds:F0} | {r.PeakRssMiB:F0} | {r.How ?? "-"} | {Num(r.RejoinedAfter)} | {Num(r.SampledAfter)} | {r.SampledRound?.ToString(inv) ?? "-"} |");
        }

        if (chaos.Attack is { } a)
        {
            s.AppendLine();
            var minutes = chaos.Seconds / 60;
            var k = o.Attack!;
            s.Append(inv, $"Attacker: {a.Floods} connection floods of {k.FloodPeriod.TotalSeconds:F0} s each (idle {k.IdleSockets} sockets, churn {k.ChurnLoops}x{k.ChurnRate:F0}/s, ")
                .Append(inv, $"garbage {k.GarbageLoops}x{k.GarbageRate:F0}/s of {k.GarbageBytes / 1024} KiB), {a.Sockets} sockets in all ({a.Sockets / minutes:F0} a minute), {a.GarbageBytes / (1024.0 * 1024):F0} MiB of garbage; ")
                .Append(inv, $"{a.SpamMessages} gossip messages of {k.SpamBytes / 1024} KiB on the session topic ({k.SpamRate:F0}/s); ")
                .Append(inv, $"slow reader: {a.SlowReads.Opened} exchanges opened, {a.SlowReads.EndedByNode} ended by the node, {a.SlowReads.Refused} refused, {a.SlowReads.Bytes} bytes read; ")
                .AppendLine(string.Create(inv, $"slow writer ({k.SlowWriterClaim / (1024 * 1024)} MiB announced): {a.SlowWrites.Opened} opened, {a.SlowWrites.EndedByNode} ended by the node, {a.SlowWrites.Refused} refused, {a.SlowWrites.Bytes} bytes written."));
        }

        if (chaos.ProblemLines.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Problem lines (first ones):");
            s.AppendLine();
            s.AppendLine("```");
            foreach (var line in chaos.ProblemLines.Take(20))
            {
                s.AppendLine(line.Length > 300 ? line[..300] + " ..." : line);
            }

            s.AppendLine("```");
        }

        return s.ToString();
    }

    private static string RoundsRow(string name, SoakReport r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {r.Seconds:F0} | {r.Rounds} | {r.RoundsPerMinute:F0} | {string.Join(", ", r.RoundsPerMinuteSeries)} | {(r.FinalAccuracy is { } a ? (a * 100).ToString("F1", CultureInfo.InvariantCulture) + " %" : "-")} |");

    private static string Num(double? value) => value?.ToString("F1", CultureInfo.InvariantCulture) ?? "-";
}
