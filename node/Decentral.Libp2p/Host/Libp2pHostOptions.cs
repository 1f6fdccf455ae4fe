using System.Net;
using Decentral.Libp2p.Yamux;

namespace Decentral.Libp2p.Host;

/// <summary>
/// Options of a libp2p host (<c>Libp2pHost</c>); validated when the host is created.
/// </summary>
/// <remarks>
/// The connection budget has separate parts, so that no kind of connection can starve another:
/// inbound connections still in their handshake (<see cref="MaxPendingInboundHandshakes"/>, per
/// remote address <see cref="MaxPendingHandshakesPerAddress"/>), established inbound connections
/// (<see cref="MaxInboundConnections"/>, per address <see cref="MaxInboundConnectionsPerAddress"/>),
/// and outbound dials with their connections (<see cref="MaxOutboundConnections"/>). An address
/// is an IPv4 address or an IPv6 /56 prefix (one site), as in go-libp2p's resource manager.
/// </remarks>
public sealed class Libp2pHostOptions
{
    /// <summary>Dial timeout when none is given (default 10 s): TCP connect + handshake + muxer.</summary>
    public TimeSpan DialTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time an inbound connection may take from accept to a multiplexed session (default 5 s).
    /// A Noise handshake takes a few milliseconds; the rest is slack for loaded machines. An idle
    /// socket holds a pending-handshake slot for at most this long.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time multistream-select may take on a new stream (default 10 s).</summary>
    public TimeSpan StreamNegotiationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a ping may take (default 10 s).</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Established inbound connections (default 128); further inbound sockets are closed at accept.</summary>
    public int MaxInboundConnections { get; set; } = 128;

    /// <summary>
    /// Outbound connections, dials in progress included (default 128); a dial beyond it returns
    /// <see cref="DialStatus.ConnectionLimitReached"/>. Inbound traffic never uses this budget.
    /// </summary>
    public int MaxOutboundConnections { get; set; } = 128;

    /// <summary>
    /// Inbound connections in their handshake at once (default 32). When it is full a new socket
    /// takes the slot of the oldest pending handshake, which is closed (reason "evicted"): idle
    /// sockets cannot keep a real peer, whose handshake takes milliseconds, from getting in.
    /// </summary>
    public int MaxPendingInboundHandshakes { get; set; } = 32;

    /// <summary>Inbound handshakes in progress from one address (default 4); more are closed at accept.</summary>
    public int MaxPendingHandshakesPerAddress { get; set; } = 4;

    /// <summary>Inbound connections from one address, pending handshakes included (default 8); more are closed at accept.</summary>
    public int MaxInboundConnectionsPerAddress { get; set; } = 8;

    /// <summary>Connections to one peer id in both directions (default 4); a further one is closed after its handshake.</summary>
    public int MaxConnectionsPerPeer { get; set; } = 4;

    /// <summary>
    /// Networks exempt from the per-address limits (default 127.0.0.0/8 and ::1/128: every local
    /// process shares the loopback address). The global limits still apply to them.
    /// </summary>
    public IList<IPNetwork> AddressLimitExemptions { get; set; } = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>
    /// Refused connections and failed inbound handshakes are logged at Debug one by one, and at
    /// Warning at most once per reason and interval with the count since the last warning
    /// (default 10 s), so that a flood cannot flood the log. Metrics count every one.
    /// </summary>
    public TimeSpan WarningInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes of receive buffers all connections together may hold (default 256 MiB); each
    /// connection also has its own bound (<see cref="YamuxOptions.MaxSessionBufferedBytes"/>). A data
    /// frame that would pass it resets the stream it is for (reason host_buffer_limit).
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Inbound streams of one connection still negotiating their protocol (default 32); a further
    /// one is reset at once (reason negotiation_limit), so a peer cannot park many streams in
    /// multistream-select for <see cref="StreamNegotiationTimeout"/> each.
    /// </summary>
    public int MaxNegotiatingStreams { get; set; } = 32;

    /// <summary>Offer early muxer negotiation in the Noise payload (default true).</summary>
    public bool EarlyMuxerNegotiation { get; set; } = true;

    /// <summary>Run identify on every new connection (default true).</summary>
    public bool IdentifyOnConnect { get; set; } = true;

    /// <summary>Identify protocolVersion (default "ipfs/0.1.0").</summary>
    public string ProtocolVersion { get; set; } = "ipfs/0.1.0";

    /// <summary>Identify agentVersion (default "decentral/1.0").</summary>
    public string AgentVersion { get; set; } = "decentral/1.0";

    /// <summary>
    /// Addresses advertised to other peers (identify and the signed peer record). Empty (the
    /// default): the listen addresses, an unspecified IP (0.0.0.0, ::) replaced by this machine's
    /// interface addresses. Set it when peers must dial another address than the one bound
    /// (a public address, a port mapping).
    /// </summary>
    public IReadOnlyList<Multiformats.Multiaddr> AnnounceAddresses { get; set; } = [];

    /// <summary>Yamux session options.</summary>
    public YamuxOptions Yamux { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        Positive(DialTimeout, nameof(DialTimeout));
        Positive(HandshakeTimeout, nameof(HandshakeTimeout));
        Positive(StreamNegotiationTimeout, nameof(StreamNegotiationTimeout));
        Positive(PingTimeout, nameof(PingTimeout));
        Positive(WarningInterval, nameof(WarningInterval));
        AtLeastOne(MaxInboundConnections, nameof(MaxInboundConnections));
        AtLeastOne(MaxOutboundConnections, nameof(MaxOutboundConnections));
        AtLeastOne(MaxPendingInboundHandshakes, nameof(MaxPendingInboundHandshakes));
        AtLeastOne(MaxPendingHandshakesPerAddress, nameof(MaxPendingHandshakesPerAddress));
        AtLeastOne(MaxInboundConnectionsPerAddress, nameof(MaxInboundConnectionsPerAddress));
        AtLeastOne(MaxConnectionsPerPeer, nameof(MaxConnectionsPerPeer));
        AtLeastOne(MaxNegotiatingStreams, nameof(MaxNegotiatingStreams));
        ArgumentNullException.ThrowIfNull(Yamux);
        if (MaxBufferedBytes < Yamux.MaxStreamWindow)
        {
            throw new ArgumentException("MaxBufferedBytes must be at least one stream window (Yamux.MaxStreamWindow).", nameof(MaxBufferedBytes));
        }
        ArgumentNullException.ThrowIfNull(AddressLimitExemptions);
        if (string.IsNullOrWhiteSpace(AgentVersion) || string.IsNullOrWhiteSpace(ProtocolVersion))
        {
            throw new ArgumentException("AgentVersion and ProtocolVersion must be set.");
        }

        ArgumentNullException.ThrowIfNull(AnnounceAddresses);
        foreach (var address in AnnounceAddresses)
        {
            if (!address.TryGetTcpTarget(out var host, out var port, out _) || port == 0 || host is "0.0.0.0" or "::")
            {
                throw new ArgumentException($"Announce address {address} is not a dialable TCP address (no unspecified IP, no port 0).", nameof(AnnounceAddresses));
            }
        }

        ArgumentNullException.ThrowIfNull(Yamux);
        Yamux.Validate();
    }

    internal static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive.", name);
        }
    }

    private static void AtLeastOne(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentException($"{name} must be at least 1.", name);
        }
    }
}
