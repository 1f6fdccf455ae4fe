using System.Globalization;
using System.Text.RegularExpressions;

namespace Decentral.Node.Tests.Kit;

/// <summary>
/// N decentral-node processes on loopback, started from the built program: node 0 first (its
/// address becomes everyone's bootstrap), then the rest at once, each with its own data
/// directory and its share of MNIST (learning:partition i/N), with configs/node-local.json's
/// loopback timings. Waits are on the nodes' own log lines, bounded for a loaded machine.
/// </summary>
internal sealed partial class ProcessCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartBound = TimeSpan.FromSeconds(120);

    private readonly Scratch _scratch = new();
    private readonly List<NodeProcess> _nodes = [];
    private readonly string[] _extra;

    private ProcessCluster(int size, int sampleSize, string[] extra)
    {
        Size = size;
        SampleSize = sampleSize;
        _extra = extra;
    }

    public int Size { get; }

    public int SampleSize { get; }

    public string Session => "cluster-test";

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public string Bootstrap { get; private set; } = "";

    public string DataDir(int index) => _scratch.Sub($"node-{index}");

    public static async Task<ProcessCluster> StartAsync(int size, int sampleSize, params string[] extra)
    {
        var cluster = new ProcessCluster(size, sampleSize, extra);
        var first = cluster.StartNode(0, bootstrap: null);
        var advertising = await first.WaitForLineAsync(l => l.Contains("Advertising /ip4/127.0.0.1/", StringComparison.Ordinal), StartBound);
        cluster.Bootstrap = AddressPattern().Match(advertising).Value;
        for (var i = 1; i < size; i++)
        {
            cluster.StartNode(i, cluster.Bootstrap);
        }

        return cluster;
    }

    /// <summary>(Re)starts node <paramref name="index"/> on its data directory.</summary>
    public NodeProcess StartNode(int index, string? bootstrap)
    {
        string[] args =
        [
            "run", "--config", Path.Combine(NodeProcess.Repository, "configs", "node-local.json"),
            "--data-dir", DataDir(index), "--session", Session, "--listen", "/ip4/127.0.0.1/tcp/0",
            "--task", "mnist", "--model", "softmax", "--partition", $"{index}/{Size}",
            "--set", $"protocol:sampleSize={SampleSize}", "--set", "protocol:minModels=2",
            "--set", $"founding:minPeers={Size}", "--set", "node:statusInterval=00:00:01",
            "--set", "learning:partition:alpha=0.5",
            .. bootstrap is null ? Array.Empty<string>() : ["--bootstrap", bootstrap],
            .. _extra,
        ];
        var node = NodeProcess.Start(DataDir(index), args);
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

    public string Logs() => string.Join("\n", _nodes.Select((n, i) => $"==== node {i} ====\n{Tail(n.Output, 40)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _scratch.Dispose();
    }

    private static string Tail(string text, int lines) => string.Join("\n", text.Split('\n').TakeLast(lines));

    [GeneratedRegex(@"/ip4/127\.0\.0\.1/tcp/\d+/p2p/12D3KooW[1-9A-HJ-NP-Za-km-z]+")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"Round (\d+): aggregate accuracy ([0-9.]+) ?%")]
    private static partial Regex AccuracyPattern();
}
