using System.Diagnostics.Metrics;

namespace Decentral.Libp2p.Host;

/// <summary>
/// The host's metrics (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), ready for an
/// OpenTelemetry exporter. Counters carry a <c>direction</c> tag (inbound, outbound) and, where
/// something ended early, a <c>reason</c> tag: the snake_case name of a <see cref="RefusalReason"/>,
/// <see cref="HandshakeFailure"/> or <see cref="CloseReason"/> value, so tag values are few and fixed.
/// </summary>
public static class Libp2pMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Decentral.Libp2p";

    /// <summary>Counter: connections that finished their handshake and are multiplexed (direction).</summary>
    public const string ConnectionsOpened = "decentral.libp2p.connections.opened";

    /// <summary>Counter: established connections that closed (direction, reason: <see cref="CloseReason"/>).</summary>
    public const string ConnectionsClosed = "decentral.libp2p.connections.closed";

    /// <summary>Counter: connections refused by the budget, before or right after the handshake (direction, reason: <see cref="RefusalReason"/>).</summary>
    public const string ConnectionsRefused = "decentral.libp2p.connections.refused";

    /// <summary>Counter: handshakes that did not end in a connection (direction, reason: <see cref="HandshakeFailure"/>).</summary>
    public const string HandshakesFailed = "decentral.libp2p.handshakes.failed";

    /// <summary>Histogram: seconds from accept or connect to a multiplexed session (direction).</summary>
    public const string HandshakeDuration = "decentral.libp2p.handshake.duration";

    /// <summary>Observable up-down counter: established connections now (direction).</summary>
    public const string ConnectionsActive = "decentral.libp2p.connections.active";

    /// <summary>Observable up-down counter: handshakes in progress now (direction).</summary>
    public const string HandshakesPending = "decentral.libp2p.handshakes.pending";

    /// <summary>Counter: inbound streams refused at open (reason: stream_limit, negotiation_limit).</summary>
    public const string StreamsRefused = "decentral.libp2p.streams.refused";

    /// <summary>Counter: streams reset for a memory bound (reason: session_buffer_limit, host_buffer_limit).</summary>
    public const string StreamsReset = "decentral.libp2p.streams.reset";

    /// <summary>Observable gauge: bytes of receive buffers all connections hold now.</summary>
    public const string BufferedBytes = "decentral.libp2p.buffered_bytes";

    /// <summary>The tag value of a reason: its snake_case name.</summary>
    public static string TagOf<T>(T reason)
        where T : struct, Enum => ReasonTags<T>.Values[reason];

    /// <summary>The tag value of a direction.</summary>
    public static string TagOf(Direction direction) => direction == Direction.Inbound ? "inbound" : "outbound";

    private static class ReasonTags<T>
        where T : struct, Enum
    {
        public static readonly Dictionary<T, string> Values = Enum.GetValues<T>().ToDictionary(v => v, v => SnakeCase(v.ToString()));

        private static string SnakeCase(string name) =>
            string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
    }
}

/// <summary>Why the budget refused a connection.</summary>
public enum RefusalReason
{
    /// <summary><see cref="Libp2pHostOptions.MaxInboundConnections"/> established inbound connections.</summary>
    InboundLimit,

    /// <summary><see cref="Libp2pHostOptions.MaxOutboundConnections"/> outbound connections and dials.</summary>
    OutboundLimit,

    /// <summary><see cref="Libp2pHostOptions.MaxPendingHandshakesPerAddress"/> handshakes from the address.</summary>
    AddressPendingLimit,

    /// <summary><see cref="Libp2pHostOptions.MaxInboundConnectionsPerAddress"/> connections from the address.</summary>
    AddressConnectionLimit,

    /// <summary><see cref="Libp2pHostOptions.MaxConnectionsPerPeer"/> connections to the peer id (checked after the handshake).</summary>
    PeerConnectionLimit,

    /// <summary>The host is shutting down.</summary>
    HostClosed,
}

/// <summary>Why a handshake did not end in a connection.</summary>
public enum HandshakeFailure
{
    /// <summary>It took longer than the handshake (inbound) or dial (outbound) timeout.</summary>
    TimedOut,

    /// <summary>A newer inbound socket took its slot in a full pending-handshake budget.</summary>
    Evicted,

    /// <summary>multistream-select found no common security protocol or muxer, or saw no multistream at all.</summary>
    NegotiationFailed,

    /// <summary>The Noise handshake failed (bad signature, key or frame).</summary>
    SecurityFailed,

    /// <summary>The remote authenticated as another peer than the dialed address named.</summary>
    PeerIdMismatch,

    /// <summary>The connection broke during the handshake.</summary>
    TransportFailed,

    /// <summary>The TCP connect of a dial failed (refused, unreachable, name not resolved).</summary>
    Unreachable,

    /// <summary>The host shut down during the handshake.</summary>
    HostClosed,
}

/// <summary>Why an established connection closed.</summary>
public enum CloseReason
{
    /// <summary>The remote closed the connection (end of stream or GoAway then close).</summary>
    RemoteClosed,

    /// <summary>This side closed it (<see cref="ILibp2pConnection.CloseAsync"/>, a disconnect).</summary>
    ClosedLocally,

    /// <summary>The remote broke the yamux protocol.</summary>
    ProtocolViolation,

    /// <summary>A Noise transport frame failed (bad tag, truncated frame).</summary>
    SecureChannelFailed,

    /// <summary>A read or write on the socket failed.</summary>
    TransportFailed,

    /// <summary>No answer to a keepalive ping in time.</summary>
    KeepAliveTimeout,

    /// <summary>The remote let our control frames pile up without reading them.</summary>
    RemoteNotReading,

    /// <summary>The host shut down.</summary>
    HostClosed,
}

/// <summary>The instruments of one host; observable ones read the host's live counts.</summary>
internal sealed class HostMetrics : IDisposable, Yamux.IStreamEvents
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _handshakeSeconds;
    private readonly Counter<long> _streamsRefused;
    private readonly Counter<long> _streamsReset;

    public HostMetrics(IMeterFactory? factory, Func<Direction, long> active, Func<Direction, long> pending, Func<long> buffered)
    {
        // A factory owns (and disposes) the meters it creates; without one the host owns its meter.
        _ownsMeter = factory is null;
        _meter = factory?.Create(Libp2pMetrics.MeterName) ?? new Meter(Libp2pMetrics.MeterName);
        _opened = _meter.CreateCounter<long>(Libp2pMetrics.ConnectionsOpened, "{connection}");
        _closed = _meter.CreateCounter<long>(Libp2pMetrics.ConnectionsClosed, "{connection}");
        _refused = _meter.CreateCounter<long>(Libp2pMetrics.ConnectionsRefused, "{connection}");
        _failed = _meter.CreateCounter<long>(Libp2pMetrics.HandshakesFailed, "{handshake}");
        _handshakeSeconds = _meter.CreateHistogram<double>(Libp2pMetrics.HandshakeDuration, "s");
        _meter.CreateObservableUpDownCounter(Libp2pMetrics.ConnectionsActive, () => Both(active), "{connection}");
        _meter.CreateObservableUpDownCounter(Libp2pMetrics.HandshakesPending, () => Both(pending), "{handshake}");
        _streamsRefused = _meter.CreateCounter<long>(Libp2pMetrics.StreamsRefused, "{stream}");
        _streamsReset = _meter.CreateCounter<long>(Libp2pMetrics.StreamsReset, "{stream}");
        _meter.CreateObservableGauge(Libp2pMetrics.BufferedBytes, buffered, "By");
    }

    /// <summary>The meter (tests listen to this instance, not to every meter of the same name).</summary>
    public Meter Meter => _meter;

    public void Opened(Direction direction, TimeSpan handshake)
    {
        var tag = Tag(direction);
        _handshakeSeconds.Record(handshake.TotalSeconds, tag);
        _opened.Add(1, tag);
    }

    public void Closed(Direction direction, CloseReason reason) => _closed.Add(1, Tag(direction), Reason(reason));

    public void Refused(Direction direction, RefusalReason reason) => _refused.Add(1, Tag(direction), Reason(reason));

    public void Failed(Direction direction, HandshakeFailure reason) => _failed.Add(1, Tag(direction), Reason(reason));

    public void StreamRefused(string reason) => _streamsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void StreamReset(string reason) => _streamsReset.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static KeyValuePair<string, object?> Tag(Direction direction) => new("direction", Libp2pMetrics.TagOf(direction));

    private static KeyValuePair<string, object?> Reason<T>(T reason)
        where T : struct, Enum => new("reason", Libp2pMetrics.TagOf(reason));

    private static Measurement<long>[] Both(Func<Direction, long> read) =>
        [new(read(Direction.Inbound), Tag(Direction.Inbound)), new(read(Direction.Outbound), Tag(Direction.Outbound))];
}
