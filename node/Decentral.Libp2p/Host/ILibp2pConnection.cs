using Decentral.Identity;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Host;

/// <summary>Who opened a connection or stream.</summary>
public enum Direction
{
    /// <summary>We dialled / opened it.</summary>
    Outbound,

    /// <summary>The remote dialled / opened it.</summary>
    Inbound,
}

/// <summary>An authenticated, multiplexed connection to one peer.</summary>
public interface ILibp2pConnection
{
    /// <summary>A process-unique id, for logs.</summary>
    long Id { get; }

    /// <summary>The authenticated remote peer.</summary>
    PeerId RemotePeer { get; }

    /// <summary>The remote transport address (without /p2p).</summary>
    Multiaddr RemoteAddress { get; }

    /// <summary>The local transport address.</summary>
    Multiaddr LocalAddress { get; }

    /// <summary>Who dialled.</summary>
    Direction Direction { get; }

    /// <summary>True once the connection closed.</summary>
    bool IsClosed { get; }

    /// <summary>Completes when the connection closed; the value says why.</summary>
    Task<string> Closed { get; }

    /// <summary>The remote's identify answer, once received (null before).</summary>
    IdentifyInfo? RemoteIdentify { get; }

    /// <summary>Opens a stream and negotiates one of <paramref name="protocolIds"/>.</summary>
    Task<OpenStreamResult> OpenStreamAsync(IReadOnlyList<string> protocolIds, CancellationToken cancellationToken = default);

    /// <summary>Closes the connection (GoAway then socket close); idempotent.</summary>
    Task CloseAsync();
}

/// <summary>What a peer said about itself in identify.</summary>
/// <param name="Peer">The peer (checked against the connection's peer).</param>
/// <param name="ProtocolVersion">Its protocol version string.</param>
/// <param name="AgentVersion">Its agent string.</param>
/// <param name="ListenAddresses">Its listen addresses (those we could decode).</param>
/// <param name="Protocols">The protocols it supports.</param>
/// <param name="ObservedAddress">Our address as it sees it, if sent and decodable.</param>
/// <param name="SignedRecord">Its signed peer record (identify field 8), when sent and valid for this peer.</param>
public sealed record IdentifyInfo(
    PeerId Peer,
    string ProtocolVersion,
    string AgentVersion,
    IReadOnlyList<Multiaddr> ListenAddresses,
    IReadOnlyList<string> Protocols,
    Multiaddr? ObservedAddress,
    Records.PeerRoutingRecord? SignedRecord = null);
