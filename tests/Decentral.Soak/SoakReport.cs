using Decentral.Soak.Attack;

namespace Decentral.Soak;

/// <summary>One kill -9 and what followed.</summary>
/// <param name="Node">The node's index.</param>
/// <param name="KilledAtSeconds">When, in seconds since the measured phase began.</param>
/// <param name="PeakRssMiB">The killed process's VmHWM.</param>
/// <param name="How">How the new process came back: "rejoin" (from its checkpoint), "join" or "found"; null when it did not within the bound.</param>
/// <param name="RejoinedAfter">Seconds from the kill to that log line.</param>
/// <param name="SampledAfter">Seconds from the kill to its first "Sampled: training round" line; null when not within the bound.</param>
/// <param name="SampledRound">That round.</param>
/// <param name="Failure">Why the recovery does not count, or null.</param>
public sealed record RestartResult(int Node, double KilledAtSeconds, double PeakRssMiB, string? How, double? RejoinedAfter, double? SampledAfter,
    long? SampledRound, string? Failure);

/// <summary>One node over the whole run.</summary>
/// <param name="Node">Its index.</param>
/// <param name="PeerId">Its libp2p peer id (the same across restarts).</param>
/// <param name="Processes">Processes it ran as (1 + restarts).</param>
/// <param name="PeakRssMiB">The highest VmHWM of its processes.</param>
/// <param name="RssAtStartMiB">VmRSS when the measured phase began (its first process).</param>
/// <param name="RssAtEndMiB">VmRSS when it ended (its last process).</param>
/// <param name="MissingFromView">Peers missing from its node.json members at the end.</param>
/// <param name="ExitCode">The exit code of its last process after SIGTERM (0 = a graceful leave).</param>
/// <param name="Problems">Problem log lines by kind.</param>
public sealed record NodeResult(int Node, string PeerId, int Processes, double PeakRssMiB, double RssAtStartMiB, double RssAtEndMiB,
    IReadOnlyList<string> MissingFromView, int? ExitCode, IReadOnlyDictionary<LogProblem, int> Problems);

/// <summary>What a soak run measured.</summary>
public sealed record SoakReport
{
    /// <summary>The run's options.</summary>
    public required SoakOptions Options { get; init; }

    /// <summary>When the measured phase began (UTC).</summary>
    public required DateTimeOffset Began { get; init; }

    /// <summary>Its length in seconds.</summary>
    public required double Seconds { get; init; }

    /// <summary>Seconds from the first process start to every node running with the full view.</summary>
    public required double StartSeconds { get; init; }

    /// <summary>Distinct rounds aggregated during the measured phase (any node's aggregator rows).</summary>
    public required long Rounds { get; init; }

    /// <summary>Rounds aggregated in each minute of the measured phase.</summary>
    public required IReadOnlyList<long> RoundsPerMinuteSeries { get; init; }

    /// <summary>The highest aggregate accuracy logged in the last minute of the phase (0..1), or null.</summary>
    public double? FinalAccuracy { get; init; }

    /// <summary>Every node.</summary>
    public required IReadOnlyList<NodeResult> Nodes { get; init; }

    /// <summary>Every kill.</summary>
    public required IReadOnlyList<RestartResult> Restarts { get; init; }

    /// <summary>What the attacker did, or null.</summary>
    public AttackStats? Attack { get; init; }

    /// <summary>The machine's 1-minute load average while the phase ran: minimum, median, maximum.</summary>
    public required (double Min, double Median, double Max) Load { get; init; }

    /// <summary>The first problem lines (Unhandled, crit, stack frames, fail), with their node.</summary>
    public required IReadOnlyList<string> ProblemLines { get; init; }

    /// <summary>Rounds a minute over the phase.</summary>
    public double RoundsPerMinute => Seconds > 0 ? Rounds * 60 / Seconds : 0;

    /// <summary>
    /// Why the run fails its goals, empty when it passes: no unhandled exception, critical event
    /// or stack trace in any log; every restart back from its checkpoint and sampled again; every
    /// node's view complete at the end; every node leaving gracefully.
    /// </summary>
    public IReadOnlyList<string> Failures()
    {
        var failures = new List<string>();
        foreach (var node in Nodes)
        {
            var fatal = node.Problems.Where(p => p.Key is LogProblem.Unhandled or LogProblem.Critical or LogProblem.StackTrace && p.Value > 0).ToList();
            if (fatal.Count > 0)
            {
                failures.Add($"node {node.Node}: {string.Join(", ", fatal.Select(p => $"{p.Value} {p.Key}"))} log lines");
            }

            if (node.MissingFromView.Count > 0)
            {
                failures.Add($"node {node.Node}: its view misses {string.Join(", ", node.MissingFromView)}");
            }

            if (node.ExitCode is not 0)
            {
                failures.Add($"node {node.Node}: exit code {node.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (did not exit)"} after SIGTERM");
            }
        }

        foreach (var restart in Restarts.Where(r => r.Failure is not null))
        {
            failures.Add($"node {restart.Node} killed at {restart.KilledAtSeconds:F0} s: {restart.Failure}");
        }

        return failures;
    }
}
