using System.Text.Json;
using Decentral.Simulator.Runner;
using Spectre.Console;

namespace Decentral.Simulator.Cli;

/// <summary>Writes the run summary as JSON (deterministic: no wall-clock fields).</summary>
internal static class SummaryJson
{
    public static string Write(RunSummary s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", s.Scenario);
            w.WriteNumber("rounds", s.Rounds);
            w.WriteBoolean("reached_target_rounds", s.ReachedTargetRounds);
            w.WriteNumber("virtual_seconds", Math.Round(s.VirtualSeconds, 3));
            w.WriteNumber("events", s.Events);
            Metric(w, "initial_accuracy", s.Initial.Accuracy);
            Metric(w, "final_accuracy", s.Final.Accuracy);
            Metric(w, "best_accuracy", s.BestAccuracy);
            Metric(w, "final_loss", s.Final.Loss);
            Metric(w, "final_rmse", s.Final.Rmse);
            w.WriteNumber("total_bytes", s.TotalBytes);
            w.WriteStartObject("bytes_by_kind");
            foreach (var (kind, bytes) in s.BytesByKind)
            {
                w.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString()), bytes);
            }

            w.WriteEndObject();
            w.WriteStartObject("bytes_by_codec");
            foreach (var (codec, bytes) in s.BytesByCodec.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(codec, bytes);
            }

            w.WriteEndObject();
            w.WriteNumber("view_bytes", s.ViewBytes);
            w.WriteNumber("full_view_bytes", s.FullViewBytes);
            Metric(w, "view_saving", s.ViewSaving);
            w.WriteNumber("online_at_end", s.OnlineAtEnd);
            w.WriteNumber("crashed", s.Crashed);
            w.WriteNumber("left", s.Left);
            w.WriteNumber("joined", s.Joined);
            w.WriteStartObject("observations");
            foreach (var (kind, count) in s.Observations.OrderBy(o => o.Key))
            {
                w.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString()), count);
            }

            w.WriteEndObject();
            if (s.Rejections.Count > 0)
            {
                w.WriteStartObject("rejected");
                foreach (var (reason, count) in s.Rejections.OrderBy(r => r.Key))
                {
                    w.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString()), count);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void Metric(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, Math.Round(value, 6));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}

/// <summary>Prints the run summary as a table.</summary>
internal static class SummaryTable
{
    public static void Print(RunSummary s, TimeSpan wall, string outDir)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("rounds aggregated", $"{s.Rounds}{(s.ReachedTargetRounds ? "" : " (stopped by time)")}");
        table.AddRow("virtual time", TimeSpan.FromSeconds(Math.Round(s.VirtualSeconds)).ToString());
        table.AddRow("accuracy initial -> final (best)", $"{s.Initial.Accuracy:P1} -> {s.Final.Accuracy:P1} ({s.BestAccuracy:P1})");
        if (double.IsFinite(s.Final.Rmse))
        {
            table.AddRow("RMSE final", $"{s.Final.Rmse:F4}");
        }

        table.AddRow("traffic", $"{s.TotalBytes / 1e6:F1} MB");
        foreach (var (kind, bytes) in s.BytesByKind.Where(b => b.Value > 0))
        {
            table.AddRow($"  {kind}", $"{bytes / 1e6:F2} MB");
        }

        foreach (var (codec, bytes) in s.BytesByCodec)
        {
            table.AddRow($"  model messages, {Markup.Escape(codec)}", $"{bytes / 1e6:F2} MB");
        }

        table.AddRow("view bytes: deltas vs full view", $"{s.ViewBytes / 1e3:F0} kB vs {s.FullViewBytes / 1e3:F0} kB ({s.ViewSaving:F1}x less)");
        table.AddRow("online at end (crashed/left/joined)", $"{s.OnlineAtEnd} ({s.Crashed}/{s.Left}/{s.Joined})");
        foreach (var (kind, count) in s.Observations.OrderBy(o => o.Key))
        {
            table.AddRow($"  {kind}", count.ToString("N0"));
        }

        foreach (var (reason, count) in s.Rejections.OrderBy(r => r.Key))
        {
            table.AddRow($"  rejected: {reason}", count.ToString("N0"));
        }

        var process = System.Diagnostics.Process.GetCurrentProcess();
        table.AddRow("managed heap after run / peak working set", $"{GC.GetTotalMemory(forceFullCollection: true) / 1e6:F0} MB / {process.PeakWorkingSet64 / 1e6:F0} MB");
        table.AddRow("events / wall time", $"{s.Events:N0} in {wall.TotalSeconds:F1} s ({s.Events / Math.Max(wall.TotalSeconds, 1e-3):N0}/s)");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"telemetry: [link]{Markup.Escape(Path.Combine(outDir, "telemetry.jsonl"))}[/], summary: {Markup.Escape(Path.Combine(outDir, "summary.json"))}");
    }
}
