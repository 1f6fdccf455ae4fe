using Decentral.Simulator.Runner;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>One evaluated point of a run: virtual time, cumulative bytes sent by all nodes, and the metric.</summary>
/// <param name="Seconds">Virtual time, seconds.</param>
/// <param name="Bytes">Bytes sent by all nodes so far.</param>
/// <param name="Metric">Accuracy, or RMSE for MovieLens.</param>
/// <param name="Online">Nodes online at that moment.</param>
/// <param name="Round">The round (gossip: the period tick) the point belongs to.</param>
public readonly record struct CurvePoint(double Seconds, long Bytes, double Metric, int Online, long Round = 0);

/// <summary>What one experiment produced: its learning curve and summary.</summary>
/// <param name="Experiment">The experiment.</param>
/// <param name="Curve">Evaluated points in time order (the initial model at t=0 first).</param>
/// <param name="Summary">The run summary.</param>
/// <param name="WallSeconds">Wall-clock seconds the simulation took (reported, never used in results).</param>
public sealed record RunResult(Experiment Experiment, IReadOnlyList<CurvePoint> Curve, RunSummary Summary, double WallSeconds)
{
    /// <summary>The metric of the last evaluation.</summary>
    public double Final => Curve.Count == 0 ? double.NaN : Curve[^1].Metric;

    /// <summary>The best metric seen.</summary>
    public double Best => Curve.Count == 0 ? double.NaN : Experiment.LowerIsBetter ? Curve.Min(p => p.Metric) : Curve.Max(p => p.Metric);

    /// <summary>The first point that reaches <paramref name="target"/>, if any.</summary>
    public CurvePoint? FirstReaching(double target)
    {
        foreach (var point in Curve)
        {
            if (Experiment.LowerIsBetter ? point.Metric <= target : point.Metric >= target)
            {
                return point;
            }
        }

        return null;
    }

    /// <summary>Builds the curve from a finished run's telemetry rows.</summary>
    public static RunResult From(Experiment experiment, ModestRun run, RunSummary summary, double wallSeconds)
    {
        var lower = experiment.LowerIsBetter;
        var curve = new List<CurvePoint> { new(0, 0, lower ? summary.Initial.Rmse : summary.Initial.Accuracy, experiment.Scenario.Nodes) };
        foreach (var row in run.Recorder.Rows)
        {
            if (row.Evaluation is { } e)
            {
                curve.Add(new CurvePoint(row.TimeSeconds, row.TotalBytes, lower ? e.Rmse : e.Accuracy, row.OnlineNodes, row.Round));
            }
        }

        return new RunResult(experiment, curve, summary, wallSeconds);
    }
}
