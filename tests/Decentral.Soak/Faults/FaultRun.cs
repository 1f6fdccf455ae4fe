using System.Diagnostics;
using System.Globalization;
using Decentral.Node.Tests.Kit;
using Decentral.Telemetry;

namespace Decentral.Soak.Faults;

/// <summary>One network-fault run: how many nodes, how long each phase, how much loss.</summary>
public sealed record FaultOptions
{
    /// <summary>Node processes; node i is in partition group i mod 2 (as the simulator splits).</summary>
    public int Nodes { get; init; } = 10;

    /// <summary>MoDeST's s.</summary>
    public int SampleSize { get; init; } = 4;

    /// <summary>The length of each phase: calm, loss, partition, healed.</summary>
    public TimeSpan Phase { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The probability that a packet between two nodes is dropped in the loss phase.</summary>
    public double Loss { get; init; } = 0.05;

    /// <summary>Node i listens on 127.0.0.1:BasePort + i (the rules match these ports).</summary>
    public int BasePort { get; init; } = 48100;

    /// <summary>Group g's nodes run with group id GroupId + g (the rules match these ids).</summary>
    public int GroupId { get; init; } = 4100;

    /// <summary>Data directories, logs and the report go here.</summary>
    public required string Out { get; init; }

    /// <summary>Bound on the cluster's start.</summary>
    public TimeSpan StartBound { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>The problems with these options, empty when they can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Nodes < 4 || Nodes > 30)
        {
            errors.Add($"nodes must be from 4 to 30 (got {Nodes})");
        }

        if (SampleSize < 2 || SampleSize > Nodes)
        {
            errors.Add($"sample size must be from 2 to the node count {Nodes} (got {SampleSize})");
        }

        if (Phase <= TimeSpan.Zero)
        {
            errors.Add("phase must be positive");
        }

        if (Loss is <= 0 or >= 1)
        {
            errors.Add($"loss must be a probability above 0 and below 1 (got {Loss})");
        }

        if (BasePort < 1024 || BasePort + Nodes > 65535)
        {
            errors.Add($"base port must be from 1024 to {65535 - Nodes} (got {BasePort})");
        }

        return errors;
    }
}

/// <summary>What a fault run measured.</summary>
public sealed record FaultReport
{
    /// <summary>The run's options.</summary>
    public required FaultOptions Options { get; init; }

    /// <summary>When the measured phases began (UTC).</summary>
    public required DateTimeOffset Began { get; init; }

    /// <summary>Every phase's rounds.</summary>
    public required IReadOnlyList<PhaseResult> Phases { get; init; }

    /// <summary>Seconds from the heal to the first aggregate of a round trained by both halves, or null.</summary>
    public double? Recovery { get; init; }

    /// <summary>Seconds from the heal until every node's node.json listed every node, or null when not within the healed phase.</summary>
    public double? ViewsCompleteAfter { get; init; }

    /// <summary>The peers each node missed at the end of the healed phase.</summary>
    public required IReadOnlyList<IReadOnlyList<string>> MissingAtEnd { get; init; }

    /// <summary>Problem lines (unhandled, crit, stack traces) in the nodes' logs.</summary>
    public required int FatalLines { get; init; }

    /// <summary>The machine's 1-minute load average at each phase's end.</summary>
    public required IReadOnlyList<double> Load { get; init; }
}

/// <summary>
/// Network faults on real processes: N decentral-node processes on loopback, each under the
/// group id of its partition half (setpriv), then four phases of equal length: calm; random
/// loss of packets between the nodes; a partition of the two halves (each one's packets to the
/// other's ports dropped); healed. Rules by <see cref="Firewall"/>; rounds from the nodes'
/// telemetry, analysed like a simulator run (<see cref="PhaseAnalysis"/>).
/// </summary>
internal static class FaultRun
{
    /// <summary>Runs the phases and reports what they measured.</summary>
    public static async Task<FaultReport> RunAsync(FaultOptions options, Firewall firewall, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(firewall);
        ArgumentNullException.ThrowIfNull(progress);
        var root = Path.GetFullPath(options.Out);
        foreach (var old in Directory.Exists(root) ? Directory.GetDirectories(root, "node-*") : [])
        {
            Directory.Delete(old, recursive: true);
        }

        Directory.CreateDirectory(root);
        var n = options.Nodes;
        string Gid(int group) => (options.GroupId + group).ToString(CultureInfo.InvariantCulture);
        var layout = new ClusterLayout
        {
            Root = root, BasePort = options.BasePort, Session = "faults", LogFiles = true,
            Launcher = i => ["setpriv", "--regid", Gid(i % 2), "--clear-groups"],
        };
        progress.WriteLine($"[faults] starting {n} nodes (s = {options.SampleSize}), halves by group id {Gid(0)} and {Gid(1)}, in {root}");
        await using var cluster = await ProcessCluster.StartAsync(layout, n, options.SampleSize);
        try
        {
            var peers = await ClusterSteps.RunningAsync(cluster, options.StartBound);
            var ports = Enumerable.Range(0, n).Select(i => options.BasePort + i).ToArray();
            var began = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            var phases = new List<Phase>();
            var load = new List<double>();
            async Task PhaseAsync(string name, Action? start)
            {
                start?.Invoke();
                var from = clock.Elapsed.TotalSeconds;
                progress.WriteLine($"[faults] {from,5:F0} s: {name}");
                await Task.Delay(options.Phase, cancellationToken);
                firewall.Clear();
                phases.Add(new Phase(name, from, clock.Elapsed.TotalSeconds));
                load.Add(ProcStatus.LoadAverage());
            }

            await PhaseAsync("calm", null);
            await PhaseAsync(string.Create(CultureInfo.InvariantCulture, $"loss {options.Loss * 100:0.#} %"),
                () => firewall.Loss($"{Gid(0)}-{Gid(1)}", $"{ports[0]}:{ports[^1]}", options.Loss));
            await PhaseAsync("partition", () => firewall.Partition(options.GroupId, [.. ports.Where((_, i) => i % 2 == 0)],
                options.GroupId + 1, [.. ports.Where((_, i) => i % 2 == 1)]));
            var healedAt = clock.Elapsed.TotalSeconds;
            // node.json is rewritten every second: the views' merge is timed to about a second.
            var views = Task.Run(async () => (Missing: await ClusterSteps.ViewsAsync(cluster, peers, options.Phase), After: clock.Elapsed.TotalSeconds - healedAt),
                CancellationToken.None);
            await PhaseAsync("healed", null);
            var (missing, after) = await views;
            double? viewsAfter = missing.All(m => m.Count == 0) ? after : null;
            await ClusterSteps.StopAllAsync(cluster);

            var rows = cluster.Nodes.Select(node => (IReadOnlyList<RoundRow>)node.Rows()).ToList();
            var aggregations = PhaseAnalysis.FromNodes(rows, began.ToUnixTimeMilliseconds() / 1000.0, window: 30);
            var fatal = Enumerable.Range(0, n).Sum(i => LogScan.Problems(Path.Combine(cluster.DataDir(i), "node.log"))
                .Count(p => p.Problem is LogProblem.Unhandled or LogProblem.Critical or LogProblem.StackTrace));
            return new FaultReport
            {
                Options = options,
                Began = began,
                Phases = PhaseAnalysis.Phases(aggregations, phases),
                Recovery = PhaseAnalysis.Recovery(aggregations, healedAt),
                ViewsCompleteAfter = viewsAfter,
                MissingAtEnd = missing,
                FatalLines = fatal,
                Load = load,
            };
        }
        finally
        {
            await ClusterSteps.StopAllAsync(cluster);
        }
    }
}
