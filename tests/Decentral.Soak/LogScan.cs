using System.Text.RegularExpressions;

namespace Decentral.Soak;

/// <summary>What a node's log line says is wrong with the node itself (not with its peers).</summary>
public enum LogProblem
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>"Unhandled" anywhere: an exception no handler caught.</summary>
    Unhandled,

    /// <summary>A Critical log event ("crit:"): the node stops.</summary>
    Critical,

    /// <summary>A stack frame ("   at Namespace.Type.Method(...)"): an exception was printed.</summary>
    StackTrace,

    /// <summary>An Error log event ("fail:"): something the node could not do (a checkpoint write, a training).</summary>
    Error,
}

/// <summary>Classifies the lines of a node's console log (the simple console format, one event per line).</summary>
public static partial class LogScan
{
    /// <summary>The worst problem <paramref name="line"/> shows.</summary>
    public static LogProblem Classify(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Contains("Unhandled", StringComparison.OrdinalIgnoreCase))
        {
            return LogProblem.Unhandled;
        }

        if (line.Contains(" crit: ", StringComparison.Ordinal) || line.StartsWith("crit: ", StringComparison.Ordinal))
        {
            return LogProblem.Critical;
        }

        if (StackFrame().IsMatch(line))
        {
            return LogProblem.StackTrace;
        }

        return line.Contains(" fail: ", StringComparison.Ordinal) || line.StartsWith("fail: ", StringComparison.Ordinal) ? LogProblem.Error : LogProblem.None;
    }

    /// <summary>Every problem line of the log file at <paramref name="path"/> (its kind and text).</summary>
    public static IEnumerable<(LogProblem Problem, string Line)> Problems(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var problem = Classify(line);
            if (problem != LogProblem.None)
            {
                yield return (problem, line);
            }
        }
    }

    [GeneratedRegex(@"^\s+at \S+\(")]
    private static partial Regex StackFrame();
}
