namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>
/// PNG plots of a comparison group with ScottPlot: metric vs virtual time and metric vs bytes; with
/// several seeds the first seed's curve is drawn bold and the others thin in the same colour.
/// </summary>
internal static class ReproductionPlots
{
    /// <summary>Writes <c>{group}-time.png</c> and <c>{group}-bytes.png</c>; returns their file names.</summary>
    public static (string Time, string Bytes) Write(string folder, string group, IReadOnlyList<RunResult> runs, double? target)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var metric = runs[0].Experiment.LowerIsBetter ? "test RMSE" : "test accuracy";
        var time = $"{group}-time.png";
        var bytes = $"{group}-bytes.png";
        Plot(Path.Combine(folder, time), $"{group}: {metric} vs virtual time", "virtual time (minutes)", metric, runs, p => p.Seconds / 60, target);
        Plot(Path.Combine(folder, bytes), $"{group}: {metric} vs traffic", "bytes sent by all nodes (MB)", metric, runs, p => p.Bytes / 1e6, target);
        return (time, bytes);
    }

    /// <summary>
    /// Writes <paramref name="file"/>: the metric against virtual time, one curve per label
    /// (<paramref name="label"/> of a run, in first-seen order), seeds as in <see cref="Write"/>.
    /// </summary>
    public static void WriteByLabel(string folder, string file, string title, IReadOnlyList<RunResult> runs, Func<RunResult, string> label, double? target)
    {
        ArgumentNullException.ThrowIfNull(runs);
        Plot(Path.Combine(folder, file), title, "virtual time (minutes)", "test accuracy", runs, p => p.Seconds / 60, target, label);
    }

    private static void Plot(string path, string title, string xLabel, string yLabel, IReadOnlyList<RunResult> runs, Func<CurvePoint, double> x, double? target, Func<RunResult, string>? label = null)
    {
        var plot = new ScottPlot.Plot();
        var index = 0;
        label ??= r => r.Experiment.Algorithm;
        var curves = runs.GroupBy(label).Select(g => (Label: g.Key, Runs: g.OrderBy(r => r.Experiment.Seed).ToList()));
        foreach (var (name, seedRuns) in curves)
        {
            // One colour per algorithm: the first seed bold with markers and in the legend, further seeds thin and faint.
            var color = plot.Add.Palette.GetColor(index++);
            for (var k = seedRuns.Count - 1; k >= 0; k--)
            {
                var points = seedRuns[k].Curve.Where(p => double.IsFinite(p.Metric)).ToList();
                if (points.Count == 0)
                {
                    continue;
                }

                var line = plot.Add.Scatter(points.Select(x).ToArray(), points.Select(p => p.Metric).ToArray(), k == 0 ? color : color.WithAlpha(0.45));
                if (k == 0)
                {
                    line.LegendText = name;
                    line.MarkerSize = 3;
                    line.LineWidth = seedRuns.Count > 1 ? 2 : line.LineWidth;
                }
                else
                {
                    line.LineWidth = 1;
                    line.MarkerSize = 0;
                }
            }
        }

        if (target is { } t && double.IsFinite(t))
        {
            var guide = plot.Add.HorizontalLine(t);
            guide.LinePattern = ScottPlot.LinePattern.Dashed;
            guide.Color = plot.Add.Palette.GetColor(index); // the next colour after the algorithms', however many seeds were drawn
            guide.LegendText = "target";
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend();
        plot.SavePng(path, 800, 500);
    }
}
