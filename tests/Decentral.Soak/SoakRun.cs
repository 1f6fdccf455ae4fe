using System.Diagnostics;
using System.Globalization;
using Decentral.Libp2p.Multiformats;
using Decentral.Node.Tests.Kit;
using Decentral.Soak.Attack;
using Decentral.Telemetry;

namespace Decentral.Soak;

/// <summary>
/// A soak under churn: N decentral-node processes on loopback (the built program), then a
/// measured phase in which a chaos loop kills -9 a random node and restarts it on its data
/// directory (by the clock, or each kill once the previous victim was sampled again) while an
/// attacker floods; the same phase without chaos and attack is the baseline. Every wait is on a
/// node's log line or its node.json, bounded; the clock only paces the kills and the samples.
/// </summary>
public sealed class SoakRun
{
    private readonly SoakOptions _options;
    private readonly TextWriter _progress;
    private readonly ProcessCluster _cluster;
    private readonly List<(int Node, long RssKiB)> _rssAtStart = [];
    private readonly List<double> _load = [];
    private readonly HashSet<int> _recovering = [];
    private readonly Dictionary<int, (int Processes, long PeakKiB)> _history = [];
    private readonly Stopwatch _phase = new();
    private string[] _peers = [];

    private SoakRun(SoakOptions options, TextWriter progress, ProcessCluster cluster)
    {
        _options = options;
        _progress = progress;
        _cluster = cluster;
    }

    /// <summary>Runs the soak and reports what it measured (the report says whether it passes: <see cref="SoakReport.Failures"/>).</summary>
    public static async Task<SoakReport> RunAsync(SoakOptions options, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var root = Path.GetFullPath(options.Out);
        foreach (var old in Directory.Exists(root) ? Directory.GetDirectories(root, "node-*") : [])
        {
            Directory.Delete(old, recursive: true);
        }

        Directory.CreateDirectory(root);
        var layout = new ClusterLayout { Root = root, BasePort = options.BasePort, Session = options.Session, LogFiles = true };
        var started = Stopwatch.StartNew();
        progress.WriteLine($"[soak] starting {options.Nodes} nodes (s = {options.SampleSize}) in {root}");
        await using var cluster = await ProcessCluster.StartAsync(layout, options.Nodes, options.SampleSize, [.. options.NodeArguments]);
        var run = new SoakRun(options, progress, cluster);
        try
        {
            return await run.ExecuteAsync(started, cancellationToken);
        }
        finally
        {
            await ClusterSteps.StopAllAsync(cluster);
        }
    }

    private async Task<SoakReport> ExecuteAsync(Stopwatch started, CancellationToken cancellationToken)
    {
        var n = _options.Nodes;
        _peers = await ClusterSteps.RunningAsync(_cluster, _options.StartBound);
        var startSeconds = started.Elapsed.TotalSeconds;
        _progress.WriteLine($"[soak] {n} nodes running after {startSeconds:F0} s; measured phase: "
            + (_options.KillEvery is { } every ? $"{_options.Duration.TotalSeconds:F0} s, a kill every {every.TotalSeconds:F0} s"
                : _options.PacedKills > 0 ? $"{_options.PacedKills} kills paced by recovery" : $"{_options.Duration.TotalSeconds:F0} s, no kills")
            + (_options.Attack is null ? ", no attacker" : ", attacker on"));
        for (var i = 0; i < n; i++)
        {
            _rssAtStart.Add((i, _cluster.Nodes[i].RssKiB ?? 0));
            _history[i] = (1, 0);
        }

        var began = DateTimeOffset.UtcNow;
        _phase.Start();
        using var stopSampling = new CancellationTokenSource();
        var sampling = SampleAsync(stopSampling.Token);
        await using var attacker = _options.Attack is { } attack ? new Attacker(attack, _options.Session, Targets) : null;
        attacker?.Start();
        var restarts = await ChaosAsync(cancellationToken);
        var seconds = _phase.Elapsed.TotalSeconds;
        var ended = began.AddSeconds(seconds);
        var attackStats = attacker is null ? null : await attacker.StopAsync();
        await stopSampling.CancelAsync();
        await sampling;
        _progress.WriteLine($"[soak] measured phase over after {seconds:F0} s; waiting for the last recoveries and the views");
        var results = await Task.WhenAll(restarts);
        var missing = await ClusterSteps.ViewsAsync(_cluster, _peers, _options.RecoveryBound);
        var rssAtEnd = _cluster.Nodes.Select(node => node.RssKiB ?? 0).ToArray();
        for (var i = 0; i < n; i++)
        {
            var (processes, peak) = _history[i];
            _history[i] = (processes, Math.Max(peak, _cluster.Nodes[i].PeakRssKiB ?? 0));
        }

        var exitCodes = await ClusterSteps.StopAllAsync(_cluster);
        var (rounds, series, accuracy) = Rounds(began, ended);
        var problems = new List<string>();
        var nodes = new List<NodeResult>();
        for (var i = 0; i < n; i++)
        {
            var counts = new Dictionary<LogProblem, int>();
            foreach (var (problem, line) in LogScan.Problems(Path.Combine(_cluster.DataDir(i), "node.log")))
            {
                counts[problem] = counts.GetValueOrDefault(problem) + 1;
                if (problems.Count < 40)
                {
                    problems.Add($"node {i}: {line}");
                }
            }

            nodes.Add(new NodeResult(i, _peers[i], _history[i].Processes, MiB(_history[i].PeakKiB), MiB(_rssAtStart[i].RssKiB), MiB(rssAtEnd[i]),
                missing[i], exitCodes[i], counts));
        }

        var sorted = _load.Order().ToArray();
        return new SoakReport
        {
            Options = _options,
            Began = began,
            Seconds = seconds,
            StartSeconds = startSeconds,
            Rounds = rounds,
            RoundsPerMinuteSeries = series,
            FinalAccuracy = accuracy,
            Nodes = nodes,
            Restarts = results,
            Attack = attackStats,
            Load = sorted.Length == 0 ? (0, 0, 0) : (sorted[0], sorted[sorted.Length / 2], sorted[^1]),
            ProblemLines = problems,
        };
    }

    // Kills by the clock for the phase's duration, or PacedKills one after another. Returns the
    // recoveries still being watched (each bounded).
    private async Task<List<Task<RestartResult>>> ChaosAsync(CancellationToken cancellationToken)
    {
        var random = new Random(_options.Seed);
        var restarts = new List<Task<RestartResult>>();
        if (_options.KillEvery is { } every)
        {
            // Kills at every, 2 every, ... before the phase ends; the last victims recover after it.
            using var timer = new PeriodicTimer(every);
            for (var k = 1; k * every < _options.Duration && await timer.WaitForNextTickAsync(cancellationToken); k++)
            {
                var candidates = Victims(exclude: -1);
                if (candidates.Length > 0)
                {
                    restarts.Add(await KillAndRestartAsync(candidates[random.Next(candidates.Length)]));
                }
            }

            var rest = _options.Duration - _phase.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, cancellationToken);
            }
        }
        else if (_options.PacedKills > 0)
        {
            var last = -1;
            for (var k = 0; k < _options.PacedKills; k++)
            {
                var candidates = Victims(exclude: last);
                var victim = candidates.Length > 0 ? candidates[random.Next(candidates.Length)]
                    : throw new InvalidOperationException("no node has a checkpoint to come back from");
                last = victim;
                var recovery = await KillAndRestartAsync(victim);
                restarts.Add(recovery);
                await recovery;
            }
        }
        else
        {
            await Task.Delay(_options.Duration, cancellationToken);
        }

        return restarts;
    }

    // Nodes that may be killed now: not still recovering from a kill, and with a checkpoint to
    // come back from (a node never sampled yet has none: it would join as a newcomer, by design).
    private int[] Victims(int exclude)
    {
        lock (_recovering)
        {
            return [.. Enumerable.Range(0, _options.Nodes).Where(i => i != exclude && !_recovering.Contains(i)
                && File.Exists(Path.Combine(_cluster.DataDir(i), Node.Runtime.State.CheckpointStore.FileName)))];
        }
    }

    // Kill -9, wait for the exit, restart on the same data directory (and port), then watch the
    // new process's log for its return (a task bounded by RecoveryBound).
    private async Task<Task<RestartResult>> KillAndRestartAsync(int victim)
    {
        lock (_recovering)
        {
            _recovering.Add(victim);
        }

        var killedAt = _phase.Elapsed;
        var old = _cluster.Nodes[victim];
        var peak = old.PeakRssKiB ?? 0;
        var pid = old.Pid;
        old.KillHard();
        await old.WaitForExitAsync(_options.RecoveryBound);
        await old.DisposeAsync();
        var (processes, highest) = _history[victim];
        _history[victim] = (processes + 1, Math.Max(highest, peak));
        var bootstrap = await BootstrapForAsync(victim);
        var fresh = _cluster.StartNode(victim, bootstrap);
        _progress.WriteLine($"[soak] {killedAt.TotalSeconds,5:F0} s: killed node {victim} (pid {pid}, VmHWM {MiB(peak):F0} MiB), restarted as pid {fresh.Pid}");
        return WatchRecoveryAsync(victim, fresh, killedAt, peak);
    }

    private async Task<RestartResult> WatchRecoveryAsync(int victim, NodeProcess fresh, TimeSpan killedAt, long peak)
    {
        string? how = null;
        double? rejoined = null;
        double? sampled = null;
        long? round = null;
        string? failure = null;
        try
        {
            var line = await fresh.WaitForLineAsync(l => l.Contains("Rejoining from the checkpoint", StringComparison.Ordinal)
                || l.Contains("Joining the running session", StringComparison.Ordinal) || l.Contains("Founding the session", StringComparison.Ordinal), _options.RecoveryBound);
            rejoined = (_phase.Elapsed - killedAt).TotalSeconds;
            how = line.Contains("Rejoining", StringComparison.Ordinal) ? "rejoin" : line.Contains("Joining", StringComparison.Ordinal) ? "join" : "found";
            if (how != "rejoin")
            {
                failure = $"came back by {how}, not from its checkpoint";
            }

            var first = await fresh.WaitForLineAsync(l => l.Contains("Sampled: training round", StringComparison.Ordinal), _options.RecoveryBound);
            sampled = (_phase.Elapsed - killedAt).TotalSeconds;
            round = long.Parse(first.Split("training round ")[1].Split(',')[0], CultureInfo.InvariantCulture);
            _progress.WriteLine($"[soak] node {victim}: {how} after {rejoined:F1} s, sampled again (round {round}) after {sampled:F1} s");
        }
        catch (TimeoutException)
        {
            failure ??= how is null ? $"no rejoin within {_options.RecoveryBound}" : $"not sampled again within {_options.RecoveryBound}";
            _progress.WriteLine($"[soak] node {victim}: {failure}");
        }
        finally
        {
            lock (_recovering)
            {
                _recovering.Remove(victim);
            }
        }

        return new RestartResult(victim, killedAt.TotalSeconds, MiB(peak), how, rejoined, sampled, round, failure);
    }

    // A restarted node dials a live node: the first one that is not itself and not recovering.
    private async Task<string> BootstrapForAsync(int victim)
    {
        int other;
        lock (_recovering)
        {
            other = Enumerable.Range(0, _options.Nodes).First(i => i != victim && !_recovering.Contains(i));
        }

        return await ProcessCluster.AddressAsync(_cluster.Nodes[other], _options.StartBound);
    }

    // Every live node's current address, for the attacker.
    private IReadOnlyList<Multiaddr> Targets()
    {
        var targets = new List<Multiaddr>();
        foreach (var node in _cluster.Nodes.ToArray())
        {
            if (!node.HasExited && node.Status() is { State: "running", Announce: [var address, ..] } && Multiaddr.TryParse(address, out var parsed))
            {
                targets.Add(parsed);
            }
        }

        return targets;
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.SampleEvery);
        var path = Path.Combine(_options.Out, "rss.csv");
        await using var csv = new StreamWriter(path);
        await csv.WriteLineAsync("seconds,node,pid,rss_mib,load1");
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var load = ProcStatus.LoadAverage();
                _load.Add(load);
                var t = _phase.Elapsed.TotalSeconds;
                for (var i = 0; i < _cluster.Nodes.Count; i++)
                {
                    var node = _cluster.Nodes[i];
                    if (node.RssKiB is { } rss)
                    {
                        await csv.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{t:F1},{i},{node.Pid},{MiB(rss):F1},{load:F2}"));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The phase ended.
        }
    }

    // Distinct rounds some node aggregated in [began, ended], per minute too, and the best accuracy of the last minute.
    private (long Rounds, List<long> Series, double? Accuracy) Rounds(DateTimeOffset began, DateTimeOffset ended)
    {
        var from = began.ToUnixTimeMilliseconds() / 1000.0;
        var to = ended.ToUnixTimeMilliseconds() / 1000.0;
        var firstSeen = new Dictionary<long, double>();
        var bestRound = -1L;
        double? accuracy = null;
        foreach (var node in _cluster.Nodes)
        {
            foreach (var row in node.Rows())
            {
                if (row.Role != NodeRole.Aggregator || row.UnixSeconds is not { } at || at < from || at > to)
                {
                    continue;
                }

                firstSeen[row.Round] = firstSeen.TryGetValue(row.Round, out var seen) ? Math.Min(seen, at) : at;
                if (row.Evaluation is { } e && at >= to - 60 && row.Round > bestRound)
                {
                    bestRound = row.Round;
                    accuracy = e.Accuracy;
                }
            }
        }

        // Whole minutes; a last part-minute of under 30 s counts with the minute before it.
        var minutes = (int)Math.Round((to - from) / 60, MidpointRounding.AwayFromZero);
        var series = new List<long>(new long[Math.Max(1, minutes)]);
        foreach (var at in firstSeen.Values)
        {
            series[Math.Min(series.Count - 1, (int)((at - from) / 60))]++;
        }

        return (firstSeen.Count, series, accuracy);
    }

    private static double MiB(long kib) => kib / 1024.0;
}
