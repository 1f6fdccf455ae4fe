using System.Buffers;
using System.Threading.Channels;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Wire;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Decentral.Libp2p.Gossip.Service;

/// <summary>A rejected RPC, reported for diagnostics.</summary>
/// <param name="Peer">Who sent it.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Detail">Human-readable detail.</param>
public sealed record RpcRejection(PeerId Peer, RpcRejectReason Reason, string Detail);

/// <summary>
/// Runs a <see cref="GossipRouter"/> over a libp2p host: serves /meshsub/1.1.0 and /1.0.0,
/// opens our own long-lived meshsub stream to every connected peer, reads the peer's stream,
/// and fires the heartbeat from the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Life cycle: construct (registers handlers; do it before listening so identify advertises
/// meshsub), <see cref="Start"/>, subscribe/publish, read <see cref="Messages"/>, dispose.
/// All router calls are serialized by one lock; effects are dispatched to per-peer queues
/// inside it, so their order is the router's order.
/// </remarks>
public sealed class GossipService : IAsyncDisposable
{
    private static readonly RpcLimits Limits = new();

    // from, seqno, signature, key, field tags and a topic of typical length, rounded up.
    private const int MessageOverheadBytes = 1024;
    private readonly ILibp2pHost _host;
    private readonly GossipRouter _router;
    private readonly GossipServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly TimeSpan _heartbeat;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, GossipPeerSession> _sessions = [];
    private readonly DeliveryQueue _deliveries;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;

    /// <summary>Creates the service and registers the meshsub stream handlers on <paramref name="host"/>.</summary>
    public GossipService(ILibp2pHost host, PeerIdentity identity, GossipOptions options, GossipServiceOptions serviceOptions,
        TimeProvider time, Random random, ILogger<GossipService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(serviceOptions);
        serviceOptions.EnsureValid();
        if (identity.PeerId != host.PeerId)
        {
            throw new ArgumentException("The gossip identity must be the host's identity.", nameof(identity));
        }

        _host = host;
        _options = serviceOptions;
        _time = time;
        _heartbeat = options.HeartbeatInterval;
        _logger = logger ?? NullLogger<GossipService>.Instance;
        _router = new GossipRouter(identity, options, time, random);
        _deliveries = new DeliveryQueue(serviceOptions.DeliveryQueueCapacity, serviceOptions.DeliveryQueueBytes);
        foreach (var protocol in GossipProtocols.Supported)
        {
            host.SetStreamHandler(protocol, HandleInboundAsync);
        }
    }

    /// <summary>Messages from other peers on subscribed topics (oldest dropped when the reader lags).</summary>
    public ChannelReader<GossipDelivery> Messages => _deliveries;

    /// <summary>Deliveries dropped because the application read too slowly (see <see cref="GossipServiceOptions.DeliveryQueueBytes"/>).</summary>
    public long DroppedDeliveries => _deliveries.Dropped;

    /// <summary>Raised for every rejected RPC (on the reading task; keep handlers short).</summary>
    public event EventHandler<RpcRejection>? RpcRejected;

    /// <summary>Raised after every heartbeat (on a timer thread; keep handlers short).</summary>
    public event EventHandler? HeartbeatCompleted;

    /// <summary>Runs <paramref name="inspect"/> on the router under the lock (diagnostics and tests).</summary>
    public T Inspect<T>(Func<GossipRouter, T> inspect)
    {
        lock (_gate)
        {
            return inspect(_router);
        }
    }

    /// <summary>Starts the heartbeat and attaches to already-open and future connections.</summary>
    public void Start()
    {
        _host.PeerConnected += OnPeerConnected;
        _host.PeerDisconnected += OnPeerDisconnected;
        _timer = _time.CreateTimer(_ => OnHeartbeat(), null, _heartbeat, _heartbeat);
        foreach (var connection in _host.Connections)
        {
            EnsureSession(connection.RemotePeer);
        }
    }

    private void OnHeartbeat()
    {
        Run(r => r.Heartbeat());
        HeartbeatCompleted?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Joins a topic.</summary>
    public void Subscribe(string topic) => Run(r => r.Subscribe(topic));

    /// <summary>Leaves a topic.</summary>
    public void Unsubscribe(string topic) => Run(r => r.Unsubscribe(topic));

    /// <summary>Publishes <paramref name="data"/> on <paramref name="topic"/>.</summary>
    /// <exception cref="ArgumentException">The message would exceed <see cref="GossipServiceOptions.MaxRpcBytes"/>.</exception>
    public PublishResult Publish(string topic, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length + MessageOverheadBytes > _options.MaxRpcBytes)
        {
            throw new ArgumentException($"{data.Length} bytes do not fit in one RPC of at most {_options.MaxRpcBytes} bytes; use the model transfer protocol.", nameof(data));
        }

        var result = default(PublishResult);
        Run(r => result = r.Publish(topic, data));
        return result;
    }

    private void Run(Action<GossipRouter> action)
    {
        lock (_gate)
        {
            action(_router);
            var effects = _router.TakeEffects();
            foreach (var send in effects.Sends)
            {
                if (_sessions.TryGetValue(send.Peer, out var session))
                {
                    session.Enqueue(send.Rpc);
                }
            }

            foreach (var delivery in effects.Deliveries)
            {
                _deliveries.Write(delivery);
            }
        }
    }

    private void OnPeerConnected(object? sender, ConnectionEventArgs e) => EnsureSession(e.Connection.RemotePeer);

    private void OnPeerDisconnected(object? sender, ConnectionEventArgs e)
    {
        var peer = e.Connection.RemotePeer;
        if (_host.Connections.Any(c => c.RemotePeer == peer && !c.IsClosed))
        {
            return;
        }

        EndSession(peer, "disconnected");
    }

    /// <summary>Returns the peer's session, opening our outbound stream when there is none yet.</summary>
    private GossipPeerSession EnsureSession(PeerId peer)
    {
        GossipPeerSession? session;
        lock (_gate)
        {
            if (_sessions.TryGetValue(peer, out session))
            {
                return session;
            }

            session = new GossipPeerSession(peer, _options.PeerQueueCapacity, _options.PeerQueueBytes, _logger);
            _sessions.Add(peer, session);
        }

        _ = OpenOutboundAsync(session);
        return session;
    }

    private async Task OpenOutboundAsync(GossipPeerSession session)
    {
        OpenStreamResult result;
        try
        {
            result = await _host.OpenStreamAsync(session.Peer, GossipProtocols.Supported, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The service or the host is shutting down.
            session.Fail();
            return;
        }

        if (!result.IsOpened || !GossipProtocols.TryParse(result.Stream.Protocol, out var protocol))
        {
            Log.OpenFailed(_logger, session.Peer, result.Reason);
            session.Fail();
            EndSession(session.Peer, result.Reason ?? "no meshsub");
            return;
        }

        var stream = result.Stream;
        lock (_gate)
        {
            if (!_sessions.TryGetValue(session.Peer, out var current) || current != session)
            {
                stream.Reset();
                return;
            }

            // Start and AddPeer under one lock hold: a writer that dies at once cannot end the
            // session before the router knows the peer (which would leave a ghost peer behind).
            session.Start(stream, OnSessionEnded, _stopping.Token);
            Run(r => r.AddPeer(session.Peer, protocol, stream.Connection.Direction == Direction.Outbound));
        }

        Log.PeerUp(_logger, session.Peer, stream.Protocol);
    }

    private void OnSessionEnded(GossipPeerSession session, string reason)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(session.Peer, out var current) || current != session)
            {
                return;
            }
        }

        EndSession(session.Peer, reason);

        // Our stream died but another connection to the peer may still be up (e.g. after a
        // simultaneous dial): open a new stream on it. Each retry needs a successful open first.
        if (!_stopping.IsCancellationRequested && _host.Connections.Any(c => c.RemotePeer == session.Peer && !c.IsClosed))
        {
            EnsureSession(session.Peer);
        }
    }

    private void EndSession(PeerId peer, string reason)
    {
        GossipPeerSession? session;
        lock (_gate)
        {
            if (!_sessions.Remove(peer, out session))
            {
                return;
            }

            _router.RemovePeer(peer);
        }

        Log.PeerDown(_logger, peer, reason);
        _ = session.DisposeAsync().AsTask();
    }

    private async Task HandleInboundAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        var peer = stream.RemotePeer;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var session = EnsureSession(peer);
        StreamEnd end;
        try
        {
            if (!await session.Ready.WaitAsync(linked.Token).ConfigureAwait(false))
            {
                // Without our own stream we cannot answer; the peer will retry on a new connection.
                stream.Reset();
                return;
            }

            end = await ReadRpcsAsync(peer, stream, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The service or the connection is shutting down: an orderly end, not a handler failure.
            stream.Reset();
            end = new StreamEnd(_stopping.IsCancellationRequested ? "service stopped" : "connection closed", Faulty: false);
        }

        if (_stopping.IsCancellationRequested)
        {
            // Every stream ends when the node stops, whichever way it noticed: no warning for that.
            Log.StreamClosedStopping(_logger, peer, end.Reason);
        }
        else if (end.Faulty)
        {
            Log.StreamClosed(_logger, peer, end.Reason);
        }
        else
        {
            // Between two RPCs: the peer closed or reset its stream, or its connection went (a peer
            // that leaves or stops does this to every stream).
            Log.StreamEnded(_logger, peer, end.Reason);
        }
    }

    /// <summary>Reads length-prefixed RPCs until the stream ends; returns why it stopped.</summary>
    private async Task<StreamEnd> ReadRpcsAsync(PeerId peer, Libp2pStream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            ulong? length;
            try
            {
                length = await Varint.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                stream.Reset();
                return new StreamEnd($"bad length prefix: {e.Message}", Faulty: true);
            }
            catch (IOException e)
            {
                stream.Reset();
                return new StreamEnd($"reset or closed between RPCs: {e.Message}", Faulty: false);
            }

            if (length is null)
            {
                return new StreamEnd("end of stream", Faulty: false);
            }

            if (length > (ulong)_options.MaxRpcBytes)
            {
                // Framing cannot be trusted past an oversized prefix: drop the stream, keep the connection.
                stream.Reset();
                Report(peer, RpcRejectReason.Oversized, $"RPC of {length} bytes exceeds {_options.MaxRpcBytes}");
                return new StreamEnd("oversized RPC", Faulty: true);
            }

            var buffer = ArrayPool<byte>.Shared.Rent((int)length.Value);
            try
            {
                await stream.ReadExactlyAsync(buffer.AsMemory(0, (int)length.Value), cancellationToken).ConfigureAwait(false);
                var decoded = RpcDecoder.Decode(buffer.AsSpan(0, (int)length.Value), Limits);
                if (decoded.Rpc is { } rpc)
                {
                    Run(r => r.HandleRpc(peer, rpc));
                }
                else
                {
                    Report(peer, decoded.Reason, decoded.Detail);
                }
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                stream.Reset();
                return new StreamEnd($"truncated RPC: {e.Message}", Faulty: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    // Why an inbound stream ended; Faulty when the remote broke the framing (a warning), not when it
    // closed or reset the stream between RPCs.
    private readonly record struct StreamEnd(string Reason, bool Faulty);

    private void Report(PeerId peer, RpcRejectReason reason, string detail)
    {
        Log.RpcRejected(_logger, peer, reason, detail);
        RpcRejected?.Invoke(this, new RpcRejection(peer, reason, detail));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _host.PeerConnected -= OnPeerConnected;
        _host.PeerDisconnected -= OnPeerDisconnected;
        foreach (var protocol in GossipProtocols.Supported)
        {
            _host.RemoveStreamHandler(protocol);
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        GossipPeerSession[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }

        foreach (var session in sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _deliveries.Complete();
        _stopping.Dispose();
    }
}
