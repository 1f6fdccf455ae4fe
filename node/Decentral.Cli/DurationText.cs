using System.Globalization;

namespace Decentral.Cli;

/// <summary>Durations as users type them on a command line: "250ms", "5s", "2m", "1h", or a bare number of seconds.</summary>
public static class DurationText
{
    /// <summary>Parses <paramref name="text"/>; false for anything else, a negative or an absurdly long duration.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = default;
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : text.EndsWith('h') ? (text[..^1], 3_600_000.0)
            : (text, 1000.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0 || value * scale > 1e12)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(value * scale);
        return true;
    }

    /// <summary>The shortest form <see cref="TryParse"/> reads back: "100ms", "30s", "2m", "1h".</summary>
    public static string Format(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerSecond != 0 ? $"{duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : duration.Ticks % TimeSpan.TicksPerMinute != 0 || duration == TimeSpan.Zero ? $"{(long)duration.TotalSeconds}s"
        : duration.Ticks % TimeSpan.TicksPerHour != 0 ? $"{(long)duration.TotalMinutes}m"
        : $"{(long)duration.TotalHours}h";
}
