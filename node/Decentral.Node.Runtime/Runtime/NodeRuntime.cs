using Decentral.Identity;
using Decentral.Learning;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Membership;
using Decentral.Node.Runtime.Identity;
using Decentral.Node.Runtime.Peers;
using Decentral.Node.Runtime.State;
using Decentral.Node.Runtime.Transport;
using Decentral.Protocol;
using Decentral.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>
/// One Decentral node: the protocol core (MoDeST) driven over the project's libp2p host, with
/// its identity, data, checkpoint and telemetry. Independent of the Generic Host (the
/// executable's hosted service forwards Start and Stop), so tests run several in one process.
/// </summary>
/// <remarks>
/// Life cycle: <see cref="StartAsync"/> locks the data directory, loads or creates the identity,
/// builds the learning side, loads the checkpoint, listens, joins the session's gossip topic and
/// starts the event loop; the node then gathers members (<see cref="NodePhase.Gathering"/>) and
/// founds the session, joins it or rejoins from its checkpoint (<see cref="NodePhase.Running"/>).
/// <see cref="StopAsync"/> leaves gracefully: a LEAVE advert, a last checkpoint, then the network
/// closes. Every protocol event (arrived messages, timers, training results, failed sends) runs
/// on one event loop, one at a time; I/O and training only post to it.
/// </remarks>
public sealed partial class NodeRuntime : IAsyncDisposable
{
    private readonly NodeRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly LearningSetup? _injectedLearning;
    private readonly CancellationTokenSource _stopping = new();
    private readonly NodeMeter _meter = new();
    private readonly List<Task> _background = [];
    private DataDirectoryLock? _lock;
    private PeerIdentity? _identity;
    private Libp2pHost? _host;
    private GossipService? _gossip;
    private WarningThrottle? _gossipWarnings;
    private PeerConnector? _connector;
    private MessageTransport? _transport;
    private AddressBook? _book;
    private NodeTelemetry? _telemetry;
    private NodeStatusFile? _status;
    private CheckpointStore? _checkpoints;
    private PeerStore? _peers;
    private Checkpoint? _restored;
    private WireCodec _codec = new();
    private LearningSetup? _learning;
    private ILocalTrainer? _trainer;
    private Task? _loopTask;
    private DateTimeOffset _started;
    private int _stopped;
    private int _phase;

    /// <summary>Creates a node (it does nothing until <see cref="StartAsync"/>).</summary>
    /// <param name="options">The node's settings (validated by the caller; <see cref="NodeRuntimeOptions.Validate"/>).</param>
    /// <param name="time">The clock of every timer, timeout and backoff.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="learning">A learning setup to use instead of building one from the options (tests).</param>
    public NodeRuntime(NodeRuntimeOptions options, TimeProvider time, ILoggerFactory? loggers = null, LearningSetup? learning = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Decentral.Node");
        _injectedLearning = learning;
        _loop = new EventLoop(networkCapacity: 1024);
        _clock = new RoundClock(time);
    }

    /// <summary>This node's peer id (after a successful start).</summary>
    public PeerId PeerId => _identity?.PeerId ?? throw new InvalidOperationException("The node has not started.");

    /// <summary>Where the node is in its life (read from any thread; written on the loop and by start and stop).</summary>
    public NodePhase Phase
    {
        get => (NodePhase)Volatile.Read(ref _phase);
        private set => Volatile.Write(ref _phase, (int)value);
    }

    /// <summary>The addresses other peers dial, with /p2p (after a successful start).</summary>
    public IReadOnlyList<Multiaddr> Addresses => _host is null ? [] : [.. _host.AdvertisedAddresses.Select(a => a.WithPeerId(PeerId))];

    /// <summary>The libp2p host (after a successful start), for diagnostics and tests.</summary>
    public ILibp2pHost Host => _host ?? throw new InvalidOperationException("The node has not started.");

    /// <summary>Completes when the event loop ends; faults when the protocol core threw (a bug: the node stops).</summary>
    public Task Completion => _loopTask ?? Task.CompletedTask;

    /// <summary>The telemetry writer (after a successful start).</summary>
    public NodeTelemetry Telemetry => _telemetry ?? throw new InvalidOperationException("The node has not started.");

    /// <summary>Raised on the event loop for every protocol observation (keep handlers short).</summary>
    public event Action<ProtocolObservation>? Observed;

    /// <summary>Raised when the node founded, joined or rejoined the session (on the event loop).</summary>
    public event Action<NodePhase>? PhaseChanged;

    /// <summary>
    /// Starts the node. Returns null when it runs, or why it could not start (then everything
    /// it opened is closed again): a bad identity file, a data directory in use, missing data, a
    /// port in use.
    /// </summary>
    public async Task<StartFailure?> StartAsync(CancellationToken cancellationToken = default)
    {
        if (Phase != NodePhase.Created)
        {
            throw new InvalidOperationException("A node starts once.");
        }

        var failure = await OpenAsync(cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            await CloseAsync().ConfigureAwait(false);
            Phase = NodePhase.Stopped;
            return failure;
        }

        Phase = NodePhase.Gathering;
        var token = _stopping.Token;
        _loopTask = Task.Run(() => RunLoopAsync(token), CancellationToken.None);
        _background.Add(Task.Run(() => ReadGossipAsync(token), CancellationToken.None));
        _background.Add(Task.Run(() => AnnounceLoopAsync(token), CancellationToken.None));
        _background.Add(Task.Run(() => OverlayLoopAsync(token), CancellationToken.None));
        _background.Add(Task.Run(() => StatusLoopAsync(token), CancellationToken.None));
        foreach (var address in _options.Node.Bootstrap)
        {
            var bootstrap = Multiaddr.Parse(address);
            _background.Add(Task.Run(() => BootstrapLoopAsync(bootstrap, token), CancellationToken.None));
        }

        _background.Add(Task.Run(() => FoundOrJoinAsync(token), CancellationToken.None));
        return null;
    }

    /// <summary>
    /// Leaves gracefully within node:shutdownTimeout: the protocol core adverts LEAVE, the final
    /// checkpoint is written, then the network closes. Idempotent.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Phase is NodePhase.Created or NodePhase.Stopped || Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        var begun = _time.GetTimestamp();
        using var deadline = new CancellationTokenSource(_options.Node.ShutdownTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await LeaveAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: close anyway; the peers will notice by timeouts, as after a crash.
        }

        await ShutdownAsync().ConfigureAwait(false);
        Log.Left(_logger, _time.GetElapsedTime(begun));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _meter.Dispose();
    }

    /// <summary>This node's meter (<see cref="NodeMetrics"/>), for tests that listen to one node.</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _meter.Meter;

    /// <summary>Runs <paramref name="inspect"/> on the event loop (diagnostics and tests).</summary>
    public Task<T> InspectAsync<T>(Func<IProtocolNode?, T> inspect)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_loop.Post(new LoopAction("inspect", () =>
        {
            try
            {
                result.TrySetResult(inspect(_node));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                result.TrySetException(e);
            }
        })))
        {
            result.TrySetException(new InvalidOperationException("The node's event loop has ended."));
        }

        return result.Task;
    }

    private async Task<StartFailure?> OpenAsync(CancellationToken cancellationToken)
    {
        var node = _options.Node;
        var dataDir = Path.GetFullPath(node.DataDir);
        var locked = DataDirectoryLock.Acquire(dataDir);
        if (!locked.IsOk)
        {
            return new StartFailure(locked.Error, 2);
        }

        _lock = locked.Value;
        var keyPath = Path.Combine(dataDir, KeyFile.FileName);
        var key = KeyFile.LoadOrCreate(keyPath);
        if (!key.IsOk)
        {
            return new StartFailure(key.Error, 2);
        }

        (_identity, var created) = key.Value;
        WarnIfOpen(keyPath);
        Log.Starting(_logger, _identity.PeerId, node.Session, dataDir, created ? "created" : "loaded");
        var learning = BuildLearning();
        if (learning.Failure is { } learningFailure)
        {
            return learningFailure;
        }

        _codec = new WireCodec(new WireLimits { MaxMessageBytes = _options.Network.MaxMessageBytes });
        _checkpoints = new CheckpointStore(dataDir, _codec, _time, _logger);
        _restored = _checkpoints.Load(_identity.PeerId, node.Session);
        _book = new AddressBook(_identity.PeerId);
        foreach (var address in node.Bootstrap)
        {
            _book.AddConfigured(Multiaddr.Parse(address));
        }

        // The peers it knew before a restart: dialled by the overlay loop like any others.
        _peers = new PeerStore(dataDir, _logger);
        if (_peers.Load(_book) is var loaded and > 0)
        {
            Log.PeerStoreLoaded(_logger, loaded, _peers.Path);
        }

        var random = new Random(NodeSeed());
        var hostOptions = new Libp2pHostOptions
        {
            AnnounceAddresses = [.. node.Announce.Select(Multiaddr.Parse)],
            DialTimeout = _options.Network.DialTimeout,
        };
        _host = new Libp2pHost(_identity, hostOptions, _time, _loggers, random);
        _gossipWarnings = new WarningThrottle(_time, hostOptions.WarningInterval);
        _gossip = new GossipService(_host, _identity, new GossipOptions(), new GossipServiceOptions(), _time, new Random(random.Next()),
            _loggers.CreateLogger<GossipService>());
        _connector = new PeerConnector(_host, _book, _options.Network, _time, _logger);
        _transport = new MessageTransport(_host, _connector, _book, _codec, _options.Network, node.Session, _time, _logger)
        {
            Received = OnReceived,
            Sent = OnSent,
            Members = OwnAndKnownMembers,
            RecordsFor = RecordsFor,
            Rejected = error => _meter.Rejected("message", error),
        };
        _host.PeerIdentified += (_, e) =>
        {
            if (e.Info.SignedRecord is { } record)
            {
                _book.AddRecord(record);
            }
        };
        _book.Announced += OnAnnounced;
        _host.PeerConnected += (_, e) =>
        {
            if (e.Connection.Direction == Direction.Inbound)
            {
                _ = _connector.PeerReachableAsync(e.Connection.RemotePeer);
            }
        };
        foreach (var text in node.EffectiveListen)
        {
            var listen = await _host.ListenAsync(Multiaddr.Parse(text), cancellationToken).ConfigureAwait(false);
            if (!listen.IsListening)
            {
                return new StartFailure($"node:listen: {listen.Error}", 1);
            }

            Log.Listening(_logger, listen.Address.ToString());
        }

        Log.Advertising(_logger, string.Join(", ", Addresses));
        _gossip.Subscribe(Topic);
        _gossip.Start();
        _started = _time.GetUtcNow();
        _trainer = learning.Trainer;
        _learning = learning.Setup;
        _training = new TrainingWorker(_trainer!, _time, done => _loop.Post(done), (round, e) => _loop.Post(new LoopAction("training failed", () =>
        {
            Log.TrainingFailed(_logger, e, round);
            throw new InvalidOperationException($"Training of round {round} failed.", e);
        })));
        _timers = new TimerTable(_time, (key, generation) => _loop.Post(new TimerElapsed(key, generation)));
        _telemetry = new NodeTelemetry(Path.Combine(dataDir, NodeTelemetry.FileName), _identity.PeerId, Slot, _codec,
            _options.Learning.Evaluate ? _learning!.Task : null, _options.Learning.EvalEveryRounds, _time, _logger);
        _status = new NodeStatusFile(dataDir);
        WriteStatus("running");
        return null;
    }

    private (LearningSetup? Setup, ILocalTrainer? Trainer, StartFailure? Failure) BuildLearning()
    {
        var index = NodeLearning.TrainerIndex(_options);
        if (_injectedLearning is { } injected)
        {
            return (injected, injected.TrainerFor(index), null);
        }

        var request = NodeLearning.Request(_options);
        var build = LearningFactory.Create(request);
        // The whole training set was loaded to partition it and only this node's share is kept:
        // give the rest back to the system now rather than whenever the heap next grows.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (!build.Ok)
        {
            return (null, null, new StartFailure($"learning: {build.Error}", 2));
        }

        var trainer = build.Setup!.TrainerFor(index);
        Log.LearningReady(_logger, build.Setup.Description, index, request.Slots, trainer.LocalSamples);
        return (build.Setup, trainer, null);
    }

    private string Topic => $"decentral/{_options.Node.Session}/1";

    private int Slot => _options.Node.Slot >= 0 ? _options.Node.Slot : _options.Learning.Partition.Index;

    // The node's seeded randomness (protocol shuffles, ping payloads): from the run seed and the
    // node's own key, so it is reproducible per node yet differs between nodes.
    private int NodeSeed()
    {
        var key = _identity!.PeerId.PublicKey;
        var keyHash = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(key);
        return Seeds.Derive(_options.Learning.Partition.Seed, "node", keyHash);
    }

    private void WarnIfOpen(string keyPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(keyPath);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            Log.KeyFileTooOpen(_logger, keyPath, Convert.ToString((int)mode, 8));
        }
    }

    private void WriteStatus(string state) =>
        _status?.Write(new Telemetry.NodeStatus
        {
            PeerId = _identity!.PeerId.ToString(),
            Session = _options.Node.Session,
            Slot = Slot,
            Listen = [.. _host?.ListenAddresses.Select(a => a.ToString()) ?? []],
            Announce = [.. Addresses.Select(a => a.ToString())],
            StartedUnixSeconds = (_started - DateTimeOffset.UnixEpoch).TotalSeconds,
            UpdatedUnixSeconds = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds,
            State = state,
            Pid = Environment.ProcessId,
            Phase = Phase.ToString().ToLowerInvariant(),
            Round = Interlocked.Read(ref _roundEstimate),
            ViewSize = Volatile.Read(ref _viewSize),
            Members = _members,
        });
}
