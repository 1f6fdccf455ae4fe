using System.Globalization;
using Decentral.Simulator.Runner;

namespace Decentral.Simulator.Cli;

/// <summary>
/// What a user reads about a running simulation: how far it is toward whichever stop limit
/// comes first, and an ETA from the wall time spent per virtual second so far, applied to the
/// virtual time left until the expected stop (<see cref="RunProgress.ExpectedStopTicks"/>).
/// </summary>
internal sealed class ProgressMeter(TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();

    /// <summary>Wall time since the meter was made.</summary>
    public TimeSpan Elapsed => time.GetElapsedTime(_started);

    /// <summary>Wall time left, or null before any virtual time has passed.</summary>
    public TimeSpan? Eta(RunProgress p)
    {
        if (p.VirtualTicks <= 0)
        {
            return null;
        }

        var wallPerVirtualSecond = Elapsed.TotalSeconds / (p.VirtualTicks / 1e6);
        return TimeSpan.FromSeconds(Math.Round(wallPerVirtualSecond * Math.Max(0, p.ExpectedStopTicks - p.VirtualTicks) / 1e6));
    }

    /// <summary>"round 115/100000, t=756/1800 s, online 80, ETA 0:00:12".</summary>
    public string Describe(RunProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"round {p.Round}/{p.TargetRounds}, t={p.VirtualTicks / 1e6:F0}/{p.StopTicks / 1e6:F0} s, online {p.OnlineNodes}, ETA {(Eta(p) is { } eta ? eta.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : "-")}");

    /// <summary>"[ 42%] round ...": one line of plain progress.</summary>
    public string Line(RunProgress p) => string.Create(CultureInfo.InvariantCulture, $"[{Math.Floor(p.Fraction * 100),3:F0}%] {Describe(p)}");
}

/// <summary>Plain progress lines (--quiet, or output that is not a terminal): one line each time the run is another <c>step</c> percent done.</summary>
internal sealed class PlainProgress(TextWriter output, ProgressMeter meter, int step = 1)
{
    private int _printed = -1;

    public void Report(RunProgress p)
    {
        var percent = (int)Math.Floor(p.Fraction * 100) / step * step;
        if (percent > _printed)
        {
            _printed = percent;
            output.WriteLine(meter.Line(p));
        }
    }
}
