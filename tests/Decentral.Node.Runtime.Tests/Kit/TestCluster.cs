using System.Collections.Concurrent;
using Decentral.Node.Runtime.Runtime;
using Decentral.Protocol;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests.Kit;

/// <summary>
/// N node runtimes in this process on loopback libp2p (the real host, gossip and transfer
/// protocol), node 0 the bootstrap of the others, each with its own data directory, training
/// the synthetic softmax task on its partition. Fast protocol timings keep rounds short.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly ITestOutputHelper? _output;
    private readonly List<NodeRuntime> _nodes = [];
    private readonly ConcurrentDictionary<int, Task> _running = new();
    private readonly ConcurrentQueue<(int Node, ProtocolObservation Observation)> _observations = new();
    private readonly List<Func<int, ProtocolObservation, bool>> _waiters = [];

    private TestCluster(string root, int size, ITestOutputHelper? output)
    {
        Root = root;
        Size = size;
        _output = output;
    }

    public string Root { get; }

    public int Size { get; }

    public IReadOnlyList<NodeRuntime> Nodes => _nodes;

    public string DataDir(int index) => Path.Combine(Root, $"node-{index}");

    /// <summary>The options of node <paramref name="index"/> of <paramref name="size"/>.</summary>
    public static NodeRuntimeOptions Options(string root, int index, int size, string? bootstrap, int sampleSize, Action<NodeRuntimeOptions>? configure = null)
    {
        var options = new NodeRuntimeOptions();
        options.Node.DataDir = Path.Combine(root, $"node-{index}");
        options.Node.Session = "test";
        options.Node.Listen.Add("/ip4/127.0.0.1/tcp/0");
        if (bootstrap is not null)
        {
            options.Node.Bootstrap.Add(bootstrap);
        }

        options.Node.ShutdownTimeout = TimeSpan.FromSeconds(5);
        var p = options.Protocol;
        p.SampleSize = sampleSize;
        p.MinModels = 1;
        p.SuccessFraction = 1.0;
        p.PingTimeout = TimeSpan.FromSeconds(2);
        p.PingResend = TimeSpan.FromMilliseconds(500);
        p.AggregationTimeout = TimeSpan.FromSeconds(6);
        p.AckTimeout = TimeSpan.FromSeconds(8);
        p.SendRetry = TimeSpan.FromMilliseconds(500);
        p.TrainerCheckInterval = TimeSpan.FromSeconds(2);
        p.AggregatorCheckInterval = TimeSpan.FromSeconds(2);
        p.InactivityThreshold = 50;
        var l = options.Learning;
        l.Task = "synthetic";
        l.Model = "softmax";
        l.EvalEveryRounds = 2;
        l.Partition.Index = index;
        l.Partition.Count = size;
        l.Partition.Seed = 7;
        options.Founding.MinPeers = size;
        options.Founding.Settle = TimeSpan.FromSeconds(1);
        options.Founding.GatherAnnounceInterval = TimeSpan.FromMilliseconds(300);
        options.Network.DialTimeout = TimeSpan.FromSeconds(3);
        options.Network.SendTimeout = TimeSpan.FromSeconds(20);
        options.Network.BootstrapRetryDelay = TimeSpan.FromMilliseconds(200);
        options.Network.BootstrapRetryMax = TimeSpan.FromSeconds(2);
        configure?.Invoke(options);
        Assert.Empty(options.Validate());
        return options;
    }

    public static async Task<TestCluster> StartAsync(int size, int sampleSize, ITestOutputHelper? output = null, Action<int, NodeRuntimeOptions>? configure = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "decentral-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        var cluster = new TestCluster(root, size, output);
        string? bootstrap = null;
        for (var i = 0; i < size; i++)
        {
            var index = i;
            var node = await cluster.StartNodeAsync(Options(root, i, size, bootstrap, sampleSize, o => configure?.Invoke(index, o)));
            bootstrap ??= node.Addresses.First(a => a.ToString().Contains("127.0.0.1", StringComparison.Ordinal)).ToString();
        }

        return cluster;
    }

    public async Task<NodeRuntime> StartNodeAsync(NodeRuntimeOptions options, int? replace = null, Action<NodeRuntime>? beforeStart = null)
    {
        var index = replace ?? _nodes.Count;
        var node = new NodeRuntime(options, TimeProvider.System, _output is null ? null : new TestOutputLogs(_output, index));
        node.Observed += o => OnObserved(index, o);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.PhaseChanged += phase =>
        {
            if (phase == NodePhase.Running)
            {
                running.TrySetResult();
            }
        };
        _running[index] = running.Task;
        beforeStart?.Invoke(node);
        var failure = await node.StartAsync();
        Assert.True(failure is null, failure?.Message);
        if (replace is { } r)
        {
            _nodes[r] = node;
        }
        else
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Completes when node <paramref name="index"/> (as last started) founded, joined or rejoined.</summary>
    public Task WhenRunning(int index) => _running[index];

    /// <summary>Completes when some node's observation matches; arm before the action that causes it.</summary>
    public Task WhenObserved(Func<int, ProtocolObservation, bool> predicate)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((node, o) =>
            {
                if (!predicate(node, o))
                {
                    return false;
                }

                done.TrySetResult();
                return true;
            });
        }

        return done.Task;
    }

    public IReadOnlyList<(int Node, ProtocolObservation Observation)> Observations => [.. _observations];

    /// <summary>The highest round any node observed aggregated so far (0 before the first).</summary>
    public long LatestAggregated =>
        _observations.Where(o => o.Observation.Kind == ObservationKind.Aggregated).Select(o => o.Observation.Round).DefaultIfEmpty(0).Max();

    private void OnObserved(int node, ProtocolObservation observation)
    {
        _observations.Enqueue((node, observation));
        if (TestOutputLogs.Verbose)
        {
            _output?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{node}] observed {observation.Kind} round {observation.Round} count {observation.Count} {observation.Reason}");
        }
        else if (observation.Kind == ObservationKind.Aggregated && (observation.Round < 20 || observation.Round % 100 == 0))
        {
            _output?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{node}] aggregated round {observation.Round} from {observation.Count}");
        }

        lock (_waiters)
        {
            _waiters.RemoveAll(w => w(node, observation));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a closing node: the temp folder is cleaned up by the OS.
        }
    }
}
