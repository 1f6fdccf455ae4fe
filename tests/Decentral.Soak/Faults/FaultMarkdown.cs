using System.Globalization;
using System.Text;

namespace Decentral.Soak.Faults;

/// <summary>The tables of a fault run, and of the simulator's run of the same partition, for docs/benchmarks/faults.md.</summary>
public static class FaultMarkdown
{
    /// <summary>Renders <paramref name="run"/>, against the simulator's phases when given.</summary>
    public static string Render(FaultReport run, IReadOnlyList<PhaseResult>? simulated, double? simulatedRecovery)
    {
        ArgumentNullException.ThrowIfNull(run);
        var inv = CultureInfo.InvariantCulture;
        var o = run.Options;
        var s = new StringBuilder();
        s.Append(inv, $"Measured by `scripts/faults.sh` on {run.Began:yyyy-MM-dd} ({Environment.ProcessorCount} cores, .NET {Environment.Version}, niced): ")
            .Append(inv, $"{o.Nodes} decentral-node processes on loopback (halves: even and odd nodes), MNIST softmax regression, s = {o.SampleSize}, configs/node-local.json, ")
            .Append(inv, $"{o.Phase.TotalSeconds:F0} s a phase. Load average (1 min) at the phases' ends: {string.Join(", ", run.Load.Select(l => l.ToString("F1", inv)))}. ")
            .AppendLine(inv, $"Unhandled exceptions, crit events and stack traces in the nodes' logs: {run.FatalLines}.");
        s.AppendLine();
        s.AppendLine("| run | phase | seconds | rounds | rounds/min | vs calm | rounds by even / odd aggregators | longest gap (s) | rounds trained by both halves |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---|---:|---:|");
        Rows(s, "processes", run.Phases);
        if (simulated is not null)
        {
            Rows(s, "simulator", simulated);
        }

        s.AppendLine();
        s.AppendLine("| run | heal to the first round trained by both halves (s) | heal to every view complete (s) |");
        s.AppendLine("|---|---:|---:|");
        s.AppendLine(inv, $"| processes | {Num(run.Recovery)} | {(run.ViewsCompleteAfter is { } v ? v.ToString("F0", inv) : "not within the phase: " + Missing(run))} |");
        if (simulated is not null)
        {
            s.AppendLine(inv, $"| simulator | {Num(simulatedRecovery)} | - |");
        }

        return s.ToString();
    }

    private static void Rows(StringBuilder s, string run, IReadOnlyList<PhaseResult> phases)
    {
        var inv = CultureInfo.InvariantCulture;
        var calm = phases.FirstOrDefault()?.PerMinute ?? 0;
        foreach (var p in phases)
        {
            s.AppendLine(inv, $"| {run} | {p.Phase.Name} | {p.Phase.To - p.Phase.From:F0} | {p.Rounds} | {p.PerMinute:F1} | {(calm > 0 ? (p.PerMinute / calm).ToString("F2", inv) + "x" : "-")} | {p.RoundsByGroup.Group0} / {p.RoundsByGroup.Group1} | {p.LongestGap:F0} | {p.CrossRounds} |");
        }
    }

    private static string Missing(FaultReport run) =>
        string.Join("; ", run.MissingAtEnd.Select((m, i) => (m, i)).Where(x => x.m.Count > 0).Select(x => $"node {x.i} misses {string.Join(", ", x.m)}"));

    private static string Num(double? value) => value?.ToString("F1", CultureInfo.InvariantCulture) ?? "none";
}
