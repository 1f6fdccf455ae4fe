using System.Globalization;

namespace Decentral.Node.Tests.Kit;

/// <summary>Reads a process's memory figures from /proc/&lt;pid&gt;/status (Linux).</summary>
internal static class ProcStatus
{
    /// <summary>A "Name:   123 kB" field of /proc/<paramref name="pid"/>/status in KiB, or null when the process is gone.</summary>
    public static long? Field(int pid, string name)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(name + ":", StringComparison.Ordinal))
                {
                    var value = line[(name.Length + 1)..].Trim().Split(' ')[0];
                    return long.Parse(value, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited between the caller's look and ours.
        }

        return null;
    }

    /// <summary>The 1-minute load average of the machine.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
