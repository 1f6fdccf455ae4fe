using System.Globalization;
using System.Text.RegularExpressions;

namespace Decentral.Node.Tests.Kit;

/// <summary>Where and how the nodes of a <see cref="ProcessCluster"/> run.</summary>
internal sealed record ClusterLayout
{
    /// <summary>The parent of the data directories (node-0, node-1, ...); null = a scratch folder deleted with the cluster.</summary>
    public string? Root { get; init; }

    /// <summary>Node i listens on 127.0.0.1:BasePort + i; 0 = a port the system picks (a new one at every restart).</summary>
    public int BasePort { get; init; }

    /// <summary>The learning session.</summary>
    public string Session { get; init; } = "cluster-test";

    /// <summary>Every node's output is also appended to node.log in its data directory.</summary>
    public bool LogFiles { get; init; }

    /// <summary>The command that runs node i's `dotnet` (it must exec it), or null: dotnet itself.</summary>
    public Func<int, IReadOnlyList<string>>? Launcher { get; init; }
}

/// <summary>
/// N decentral-node processes on loopback, started from the built program: node 0 first (its
/// address becomes everyone's bootstrap), then the rest at once, each with its own data
/// directory and its share of MNIST (learning:partition i/N), with configs/node-local.json's
/// loopback timings. Waits are on the nodes' own log lines, bounded for a loaded machine.
/// </summary>
internal sealed partial class ProcessCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartBound = TimeSpan.FromSeconds(120);

    private readonly Scratch? _scratch;
    private readonly ClusterLayout _layout;
    private readonly List<NodeProcess> _nodes = [];
    private readonly string[] _extra;

    private ProcessCluster(ClusterLayout layout, int size, int sampleSize, string[] extra)
    {
        _layout = layout;
        _scratch = layout.Root is null ? new Scratch() : null;
        Size = size;
        SampleSize = sampleSize;
        _extra = extra;
    }

    public int Size { get; }

    public int SampleSize { get; }

    public string Session => _layout.Session;

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public string Bootstrap { get; private set; } = "";

    public string DataDir(int index) => _scratch?.Sub($"node-{index}") ?? Path.Combine(_layout.Root!, $"node-{index}");

    public static Task<ProcessCluster> StartAsync(int size, int sampleSize, params string[] extra) =>
        StartAsync(new ClusterLayout(), size, sampleSize, extra);

    public static async Task<ProcessCluster> StartAsync(ClusterLayout layout, int size, int sampleSize, params string[] extra)
    {
        var cluster = new ProcessCluster(layout, size, sampleSize, extra);
        var first = cluster.StartNode(0, bootstrap: null);
        cluster.Bootstrap = await AddressAsync(first, StartBound);
        for (var i = 1; i < size; i++)
        {
            cluster.StartNode(i, cluster.Bootstrap);
        }

        return cluster;
    }

    /// <summary>The address a node process advertises (/ip4/127.0.0.1/tcp/port/p2p/id), once it logged it.</summary>
    public static async Task<string> AddressAsync(NodeProcess node, TimeSpan bound)
    {
        var advertising = await node.WaitForLineAsync(l => l.Contains("Advertising /ip4/127.0.0.1/", StringComparison.Ordinal), bound);
        return AddressPattern().Match(advertising).Value;
    }

    /// <summary>(Re)starts node <paramref name="index"/> on its data directory.</summary>
    public NodeProcess StartNode(int index, string? bootstrap)
    {
        var port = _layout.BasePort == 0 ? 0 : _layout.BasePort + index;
        string[] args =
        [
            "run", "--config", Path.Combine(NodeProcess.Repository, "configs", "node-local.json"),
            "--data-dir", DataDir(index), "--session", Session, "--listen", $"/ip4/127.0.0.1/tcp/{port}",
            "--task", "mnist", "--model", "softmax", "--partition", $"{index}/{Size}",
            "--set", $"protocol:sampleSize={SampleSize}", "--set", "protocol:minModels=2",
            "--set", $"founding:minPeers={Size}", "--set", "node:statusInterval=00:00:01",
            "--set", "learning:partition:alpha=0.5",
            .. bootstrap is null ? Array.Empty<string>() : ["--bootstrap", bootstrap],
            .. _extra,
        ];
        var node = NodeProcess.Start(DataDir(index), args, logFile: _layout.LogFiles ? Path.Combine(DataDir(index), "node.log") : null,
            launcher: _layout.Launcher?.Invoke(index));
        if (index < _nodes.Count)
        {
            _nodes[index] = node;
        }
        else
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Completes when some node logs an aggregate accuracy of at least <paramref name="accuracy"/> at a round of at least <paramref name="minRound"/>.</summary>
    public Task<(int Node, long Round, double Accuracy)> AccuracyAsync(double accuracy, TimeSpan bound, long minRound = 0, Func<int, bool>? from = null)
    {
        var done = new TaskCompletionSource<(int, long, double)>(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < _nodes.Count; i++)
        {
            if (from is not null && !from(i))
            {
                continue;
            }

            var index = i;
            _ = _nodes[i].WaitForLineAsync(line => Accuracy(line) is { } a && a.Accuracy >= accuracy && a.Round >= minRound, bound)
                .ContinueWith(t =>
                {
                    if (t.IsCompletedSuccessfully && Accuracy(t.Result) is { } a)
                    {
                        done.TrySetResult((index, a.Round, a.Accuracy));
                    }
                }, TaskScheduler.Default);
        }

        return done.Task.WaitAsync(bound);
    }

    /// <summary>"Round 123: aggregate accuracy 91.23 %, loss 0.3" as (round, fraction).</summary>
    public static (long Round, double Accuracy)? Accuracy(string line)
    {
        var match = AccuracyPattern().Match(line);
        return match.Success
            ? (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) / 100)
            : null;
    }

    /// <summary>
    /// The last 40 lines of every node's output, for a failed test's message; every node's whole
    /// output goes to cluster-logs/ beside the test assembly, named in the message.
    /// </summary>
    public string Logs()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "cluster-logs", $"{Session}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < _nodes.Count; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"node-{i}.log"), _nodes[i].Output);
        }

        return $"whole logs: {folder}\n" + string.Join("\n", _nodes.Select((n, i) => $"==== node {i} ====\n{Tail(n.Output, 40)}"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _scratch?.Dispose();
    }

    private static string Tail(string text, int lines) => string.Join("\n", text.Split('\n').TakeLast(lines));

    [GeneratedRegex(@"/ip4/127\.0\.0\.1/tcp/\d+/p2p/12D3KooW[1-9A-HJ-NP-Za-km-z]+")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"Round (\d+): aggregate accuracy ([0-9.]+) ?%")]
    private static partial Regex AccuracyPattern();
}
