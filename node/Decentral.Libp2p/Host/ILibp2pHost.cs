using Decentral.Identity;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Host;

/// <summary>
/// Handles one inbound stream whose protocol was negotiated. The handler owns the stream: it
/// should dispose it (the host resets it if the handler throws, and disposes it when it returns).
/// </summary>
/// <param name="stream">The negotiated stream.</param>
/// <param name="cancellationToken">Cancelled when the connection or host closes.</param>
public delegate Task StreamHandler(Libp2pStream stream, CancellationToken cancellationToken);

/// <summary>
/// A libp2p host: an identity, listeners, a connection manager, protocol handlers and events.
/// Connections are TCP + Noise + Yamux; Identify and Ping are always served.
/// </summary>
/// <remarks>
/// Life cycle: create, register handlers, <see cref="ListenAsync"/> (optional), dial and open
/// streams, dispose. Expected failures (refused dial, unsupported protocol, timeouts) are result
/// values; caller cancellation throws <see cref="OperationCanceledException"/>.
/// </remarks>
public interface ILibp2pHost : IAsyncDisposable
{
    /// <summary>This host's peer id.</summary>
    PeerId PeerId { get; }

    /// <summary>Addresses the host listens on (with resolved ports), without /p2p.</summary>
    IReadOnlyList<Multiaddr> ListenAddresses { get; }

    /// <summary>
    /// Addresses other peers should dial (<see cref="Libp2pHostOptions.AnnounceAddresses"/>, or the
    /// listen addresses with unspecified IPs replaced by interface addresses), without /p2p.
    /// </summary>
    IReadOnlyList<Multiaddr> AdvertisedAddresses { get; }

    /// <summary>This host's signed peer record of <see cref="AdvertisedAddresses"/> (renewed when they change).</summary>
    Records.PeerRoutingRecord LocalRecord { get; }

    /// <summary>Raised after <see cref="LocalRecord"/> was renewed (a listener was added).</summary>
    event EventHandler<EventArgs>? LocalRecordChanged;

    /// <summary>Protocol ids with a registered handler (what identify advertises).</summary>
    IReadOnlyCollection<string> Protocols { get; }

    /// <summary>A snapshot of the open connections.</summary>
    IReadOnlyList<ILibp2pConnection> Connections { get; }

    /// <summary>Raised after a connection is secured and multiplexed.</summary>
    event EventHandler<ConnectionEventArgs>? PeerConnected;

    /// <summary>Raised once when a connection closes, whatever the reason.</summary>
    event EventHandler<ConnectionEventArgs>? PeerDisconnected;

    /// <summary>Raised when the remote's identify answer arrived on a connection.</summary>
    event EventHandler<PeerIdentifiedEventArgs>? PeerIdentified;

    /// <summary>Starts listening on a TCP multiaddr (port 0 picks a free port).</summary>
    Task<ListenResult> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default);

    /// <summary>Registers (or replaces) the handler for inbound streams of <paramref name="protocolId"/>.</summary>
    void SetStreamHandler(string protocolId, StreamHandler handler);

    /// <summary>Removes a handler; false when none was registered.</summary>
    bool RemoveStreamHandler(string protocolId);

    /// <summary>
    /// Dials a multiaddr (with or without /p2p; with it the remote's peer id is checked). Reuses an
    /// open connection to that peer when the address names one. Uses the options' dial timeout.
    /// </summary>
    Task<DialResult> DialAsync(Multiaddr address, CancellationToken cancellationToken = default);

    /// <summary>Dials like <see cref="DialAsync(Multiaddr, CancellationToken)"/> with an explicit timeout.</summary>
    Task<DialResult> DialAsync(Multiaddr address, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a stream to a connected peer, proposing <paramref name="protocolIds"/> in order of
    /// preference; the result names the one the remote accepted.
    /// </summary>
    Task<OpenStreamResult> OpenStreamAsync(PeerId peer, IReadOnlyList<string> protocolIds, CancellationToken cancellationToken = default);

    /// <summary>Pings a connected peer once over /ipfs/ping/1.0.0.</summary>
    Task<PingResult> PingAsync(PeerId peer, CancellationToken cancellationToken = default);

    /// <summary>Closes all connections to <paramref name="peer"/>; false when there were none.</summary>
    Task<bool> DisconnectAsync(PeerId peer);
}
