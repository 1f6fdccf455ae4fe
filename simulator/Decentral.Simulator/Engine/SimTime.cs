namespace Decentral.Simulator.Engine;

/// <summary>
/// Simulation time is a <see cref="long"/> count of microseconds since the start of the run.
/// Integer ticks keep ordering exact and runs reproducible; a microsecond is fine enough for
/// network latencies and coarse enough that a long lasts 292,000 years.
/// </summary>
public static class SimTime
{
    /// <summary>Ticks in one millisecond.</summary>
    public const long PerMillisecond = 1_000;

    /// <summary>Ticks in one second.</summary>
    public const long PerSecond = 1_000_000;

    /// <summary>
    /// Converts a duration to ticks, rounding up so that a timer never fires before its due time.
    /// </summary>
    public static long FromTimeSpan(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "Durations in simulated time cannot be negative.");
        }

        // TimeSpan ticks are 100 ns: ten of them make one simulation tick.
        return (duration.Ticks + 9) / 10;
    }

    /// <summary>Converts ticks to a duration.</summary>
    public static TimeSpan ToTimeSpan(long ticks) => TimeSpan.FromTicks(checked(ticks * 10));

    /// <summary>Converts milliseconds to ticks, rounded to the nearest tick.</summary>
    public static long FromMilliseconds(double milliseconds) => checked((long)Math.Round(milliseconds * PerMillisecond));

    /// <summary>Converts seconds to ticks, rounded to the nearest tick.</summary>
    public static long FromSeconds(double seconds) => checked((long)Math.Round(seconds * PerSecond));

    /// <summary>Converts ticks to seconds.</summary>
    public static double ToSeconds(long ticks) => ticks / (double)PerSecond;
}
