using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Identify;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Ping;
using Decentral.Libp2p.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Decentral.Libp2p.Host;

/// <summary>
/// The libp2p host: TCP listeners and dialer, the connection upgrade (multistream-select, Noise,
/// Yamux), the connection budget (<see cref="Libp2pHostOptions"/>), protocol dispatch, Identify
/// and Ping.
/// </summary>
/// <remarks>
/// Every refused, failed or closed connection is logged with its reason and counted in the
/// metrics named in <see cref="Libp2pMetrics"/>.
/// The host does not own <see cref="PeerIdentity"/>; dispose the identity after the host.
/// Time comes from the injected <see cref="TimeProvider"/>; the seeded <see cref="Random"/> only
/// draws ping payloads (Noise keys always come from the OS CSPRNG).
/// </remarks>
public sealed partial class Libp2pHost : ILibp2pHost
{
    private readonly PeerIdentity _identity;
    private readonly Libp2pHostOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly ConcurrentDictionary<string, StreamHandler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Libp2pConnection> _connections = new();
    private readonly List<(TcpListener Listener, Multiaddr Address)> _listeners = [];
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _recordGate = new();
    private readonly ConnectionBudget _budget;
    private readonly Yamux.BufferBudget _buffers;
    private readonly HostMetrics _metrics;
    private readonly WarningThrottle _warnings;
    private Records.PeerRoutingRecord? _record;
    private ulong _recordSequence;
    private int _disposed;

    /// <summary>Creates a host; validates <paramref name="options"/>.</summary>
    /// <param name="identity">The host's key pair.</param>
    /// <param name="options">Options (validated here).</param>
    /// <param name="timeProvider">Clock for timeouts, keepalive and ping times.</param>
    /// <param name="loggerFactory">Logging (optional).</param>
    /// <param name="random">Seeded randomness for ping payloads (optional; seeded from the peer id when absent).</param>
    /// <param name="meterFactory">Creates the host's meter (optional; without it the host owns a meter of its own).</param>
    public Libp2pHost(PeerIdentity identity, Libp2pHostOptions options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null,
        Random? random = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _identity = identity;
        _options = options;
        _time = timeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Decentral.Libp2p");
        _random = random ?? new Random(identity.PeerId.GetHashCode());
        _budget = new ConnectionBudget(options);
        _buffers = new Yamux.BufferBudget(options.MaxBufferedBytes, Yamux.BudgetVerdict.Host);
        _metrics = new HostMetrics(meterFactory, _budget.Active, _budget.Pending, () => _buffers.Used);
        _warnings = new WarningThrottle(timeProvider, options.WarningInterval);
        SetStreamHandler(IdentifyProtocol.ProtocolId, ServeIdentifyAsync);
        SetStreamHandler(PingProtocol.ProtocolId, (stream, ct) => PingProtocol.EchoAsync(stream, ct));
    }

    /// <inheritdoc />
    public PeerId PeerId => _identity.PeerId;

    /// <summary>The meter this host records into (see <see cref="Libp2pMetrics"/> for its instruments).</summary>
    public Meter Meter => _metrics.Meter;

    /// <inheritdoc />
    public IReadOnlyList<Multiaddr> ListenAddresses
    {
        get
        {
            lock (_listeners)
            {
                return [.. _listeners.Select(l => l.Address)];
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<Multiaddr> AdvertisedAddresses =>
        _options.AnnounceAddresses.Count > 0 ? [.. _options.AnnounceAddresses.Select(a => a.WithoutPeerId())] : TcpTransport.DialableForms(ListenAddresses);

    /// <inheritdoc />
    public Records.PeerRoutingRecord LocalRecord
    {
        get
        {
            lock (_recordGate)
            {
                return _record ??= NewRecord();
            }
        }
    }

    /// <inheritdoc />
    public event EventHandler<EventArgs>? LocalRecordChanged;

    /// <inheritdoc />
    public IReadOnlyCollection<string> Protocols => [.. _handlers.Keys.Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public IReadOnlyList<ILibp2pConnection> Connections => [.. _connections.Values.Where(c => !c.IsClosed)];

    /// <inheritdoc />
    public event EventHandler<ConnectionEventArgs>? PeerConnected;

    /// <inheritdoc />
    public event EventHandler<ConnectionEventArgs>? PeerDisconnected;

    /// <inheritdoc />
    public event EventHandler<PeerIdentifiedEventArgs>? PeerIdentified;

    /// <inheritdoc />
    public Task<ListenResult> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var (listener, bound, error) = TcpTransport.Listen(address);
        if (listener is null)
        {
            return Task.FromResult(new ListenResult(null, error));
        }

        lock (_listeners)
        {
            _listeners.Add((listener, bound!));
        }

        lock (_recordGate)
        {
            _record = NewRecord();
        }

        Raise(LocalRecordChanged, EventArgs.Empty);
        _ = Task.Run(() => AcceptLoopAsync(listener, bound!), CancellationToken.None);
        return Task.FromResult(new ListenResult(bound, null));
    }

    /// <inheritdoc />
    public void SetStreamHandler(string protocolId, StreamHandler handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocolId);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers[protocolId] = handler;
    }

    /// <inheritdoc />
    public bool RemoveStreamHandler(string protocolId) => _handlers.TryRemove(protocolId, out _);

    /// <inheritdoc />
    public Task<DialResult> DialAsync(Multiaddr address, CancellationToken cancellationToken = default) =>
        DialAsync(address, _options.DialTimeout, cancellationToken);

    /// <inheritdoc />
    public async Task<DialResult> DialAsync(Multiaddr address, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        Libp2pHostOptions.Positive(timeout, nameof(timeout));
        if (_disposed != 0)
        {
            return DialResult.Fail(DialStatus.HostClosed, "host disposed");
        }

        var expected = address.PeerId;
        if (expected == PeerId)
        {
            return DialResult.Fail(DialStatus.SelfDial, "refusing to dial ourselves");
        }

        if (expected is not null && FindConnection(expected) is { } existing)
        {
            return new DialResult(DialStatus.Connected, existing, null);
        }

        if (!_budget.TryBeginOutbound())
        {
            var detail = $"{_options.MaxOutboundConnections} outbound connections and dials";
            RefusedOutbound(address.ToString(), RefusalReason.OutboundLimit, detail);
            return DialResult.Fail(DialStatus.ConnectionLimitReached, $"outbound connection limit reached: {detail}");
        }

        var started = _time.GetTimestamp();
        var reserved = true;
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token, _shutdown.Token);
        try
        {
            var (status, socket, error) = await TcpTransport.DialAsync(address, linked.Token).ConfigureAwait(false);
            if (status != TcpDialStatus.Connected)
            {
                if (status == TcpDialStatus.UnsupportedAddress)
                {
                    // The caller's mistake, not the network's: returned, not counted.
                    return DialResult.Fail(DialStatus.UnsupportedAddress, error!);
                }

                FailedOutbound(address.ToString(), HandshakeFailure.Unreachable, error!);
                return DialResult.Fail(DialStatus.Refused, error!);
            }

            var upgrade = await HandshakeAsync(socket!, Direction.Outbound, expected, linked.Token).ConfigureAwait(false);
            if (upgrade.Status != DialStatus.Connected)
            {
                FailedOutbound(address.ToString(), FailureOf(upgrade), upgrade.Reason!);
                return DialResult.Fail(upgrade.Status, upgrade.Reason!);
            }

            reserved = false;
            if (!_budget.EndOutbound(upgrade.RemotePeer, out var refusal))
            {
                var detail = $"{_options.MaxConnectionsPerPeer} connections to {upgrade.RemotePeer}";
                RefusedOutbound(address.ToString(), refusal, detail);
                await upgrade.Secure!.DisposeAsync().ConfigureAwait(false);
                return DialResult.Fail(DialStatus.ConnectionLimitReached, $"per-peer connection limit reached: {detail}");
            }

            return await RegisterAsync(upgrade, Direction.Outbound, null, started).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var closing = _shutdown.IsCancellationRequested;
            FailedOutbound(address.ToString(), closing ? HandshakeFailure.HostClosed : HandshakeFailure.TimedOut, $"after {timeout}");
            return closing
                ? DialResult.Fail(DialStatus.HostClosed, "host disposed")
                : DialResult.Fail(DialStatus.TimedOut, $"dial of {address} timed out after {timeout}");
        }
        finally
        {
            if (reserved)
            {
                _budget.EndOutbound(null, out _);
            }
        }
    }

    /// <inheritdoc />
    public Task<OpenStreamResult> OpenStreamAsync(PeerId peer, IReadOnlyList<string> protocolIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return FindConnection(peer) is { } connection
            ? connection.OpenStreamAsync(protocolIds, cancellationToken)
            : Task.FromResult(OpenStreamResult.Fail(OpenStreamStatus.NotConnected, $"not connected to {peer}"));
    }

    /// <inheritdoc />
    public async Task<PingResult> PingAsync(PeerId peer, CancellationToken cancellationToken = default)
    {
        var opened = await OpenStreamAsync(peer, [PingProtocol.ProtocolId], cancellationToken).ConfigureAwait(false);
        if (!opened.IsOpened)
        {
            return new PingResult(PingStatus.StreamFailed, TimeSpan.Zero, $"{opened.Status}: {opened.Reason}");
        }

        var payload = new byte[PingProtocol.PayloadLength];
        lock (_random)
        {
            _random.NextBytes(payload);
        }

        await using var stream = opened.Stream;
        using var timer = new CancellationTokenSource(_options.PingTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await PingProtocol.PingOnceAsync(stream, payload, _time, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stream.Reset();
            return new PingResult(PingStatus.TimedOut, TimeSpan.Zero, $"no echo within {_options.PingTimeout}");
        }
        catch (IOException e)
        {
            return new PingResult(PingStatus.BadEcho, TimeSpan.Zero, e.Message);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DisconnectAsync(PeerId peer)
    {
        var matching = _connections.Values.Where(c => c.RemotePeer == peer).ToList();
        foreach (var connection in matching)
        {
            await connection.CloseAsync().ConfigureAwait(false);
        }

        return matching.Count > 0;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        lock (_listeners)
        {
            foreach (var (listener, _) in _listeners)
            {
                listener.Dispose();
            }

            _listeners.Clear();
        }

        // _shutdown is not disposed: accept and dial paths may still read its token while racing the shutdown.
        await Task.WhenAll(_connections.Values.Select(c => c.CloseAsync("host closed", CloseReason.HostClosed))).ConfigureAwait(false);
        _metrics.Dispose();
    }

    // Sequence numbers are the clock's microseconds since the epoch, so a restarted host's record
    // (which keeps no state) still replaces the records of its earlier runs; strictly increasing.
    private Records.PeerRoutingRecord NewRecord()
    {
        var now = (ulong)(_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        _recordSequence = Math.Max(_recordSequence + 1, now);
        return Records.PeerRoutingRecord.Create(_identity, _recordSequence, AdvertisedAddresses);
    }

    private Libp2pConnection? FindConnection(PeerId peer) =>
        _connections.Values.Where(c => c.RemotePeer == peer && !c.IsClosed).OrderByDescending(c => c.Id).FirstOrDefault();
}
