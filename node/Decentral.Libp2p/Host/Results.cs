using System.Diagnostics.CodeAnalysis;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Host;

/// <summary>How a dial ended.</summary>
public enum DialStatus
{
    /// <summary>Connected (or reused an open connection).</summary>
    Connected,

    /// <summary>The address is not a dialable TCP multiaddr.</summary>
    UnsupportedAddress,

    /// <summary>The TCP connect failed (refused, unreachable, name not resolved).</summary>
    Refused,

    /// <summary>The dial timeout elapsed.</summary>
    TimedOut,

    /// <summary>multistream-select found no common security protocol or muxer.</summary>
    NegotiationFailed,

    /// <summary>The Noise handshake failed (bad signature, bad key, bad frame).</summary>
    SecurityFailed,

    /// <summary>The remote authenticated as a different peer than the address named.</summary>
    PeerIdMismatch,

    /// <summary>The connection limit is reached.</summary>
    ConnectionLimitReached,

    /// <summary>Dialling ourselves is not allowed.</summary>
    SelfDial,

    /// <summary>The host is shutting down.</summary>
    HostClosed,
}

/// <summary>Result of a dial.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Connection">The connection when <see cref="IsConnected"/>.</param>
/// <param name="Reason">A human-readable reason on failure.</param>
public readonly record struct DialResult(DialStatus Status, ILibp2pConnection? Connection, string? Reason)
{
    /// <summary>True when a connection is available.</summary>
    [MemberNotNullWhen(true, nameof(Connection))]
    public bool IsConnected => Status == DialStatus.Connected && Connection is not null;

    internal static DialResult Fail(DialStatus status, string reason) => new(status, null, reason);
}

/// <summary>How opening a stream ended.</summary>
public enum OpenStreamStatus
{
    /// <summary>The stream is open and a protocol was agreed.</summary>
    Opened,

    /// <summary>No open connection to that peer.</summary>
    NotConnected,

    /// <summary>The remote answered "na" to every proposed protocol.</summary>
    ProtocolNotSupported,

    /// <summary>The connection closed or the stream was reset during negotiation.</summary>
    ConnectionClosed,

    /// <summary>The remote sent something that is not multistream-select.</summary>
    NegotiationFailed,

    /// <summary>The session refuses new streams (stream limit or GoAway received).</summary>
    StreamLimitReached,

    /// <summary>Negotiation took longer than the options allow.</summary>
    TimedOut,
}

/// <summary>Result of opening a stream.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Stream">The stream when <see cref="IsOpened"/>; the caller owns it.</param>
/// <param name="Reason">A human-readable reason on failure.</param>
public readonly record struct OpenStreamResult(OpenStreamStatus Status, Libp2pStream? Stream, string? Reason)
{
    /// <summary>True when a stream is available.</summary>
    [MemberNotNullWhen(true, nameof(Stream))]
    public bool IsOpened => Status == OpenStreamStatus.Opened && Stream is not null;

    internal static OpenStreamResult Fail(OpenStreamStatus status, string reason) => new(status, null, reason);
}

/// <summary>How a ping ended.</summary>
public enum PingStatus
{
    /// <summary>The echo matched.</summary>
    Ok,

    /// <summary>The stream could not be opened (see reason).</summary>
    StreamFailed,

    /// <summary>The echo differed or the stream ended early.</summary>
    BadEcho,

    /// <summary>No echo within the ping timeout.</summary>
    TimedOut,
}

/// <summary>Result of a ping.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="RoundTrip">The round trip time when <see cref="PingStatus.Ok"/>.</param>
/// <param name="Reason">A human-readable reason on failure.</param>
public readonly record struct PingResult(PingStatus Status, TimeSpan RoundTrip, string? Reason);

/// <summary>Result of starting a listener.</summary>
/// <param name="Address">The bound address (port resolved) when successful.</param>
/// <param name="Error">Why it failed, or null.</param>
public readonly record struct ListenResult(Multiaddr? Address, string? Error)
{
    /// <summary>True when listening.</summary>
    [MemberNotNullWhen(true, nameof(Address))]
    public bool IsListening => Address is not null;
}

/// <summary>A connection event.</summary>
/// <param name="connection">The connection.</param>
public sealed class ConnectionEventArgs(ILibp2pConnection connection) : EventArgs
{
    /// <summary>The connection.</summary>
    public ILibp2pConnection Connection { get; } = connection;
}

/// <summary>Identify finished on a connection.</summary>
/// <param name="connection">The connection.</param>
/// <param name="info">What the peer said.</param>
public sealed class PeerIdentifiedEventArgs(ILibp2pConnection connection, IdentifyInfo info) : EventArgs
{
    /// <summary>The connection.</summary>
    public ILibp2pConnection Connection { get; } = connection;

    /// <summary>What the peer said.</summary>
    public IdentifyInfo Info { get; } = info;
}
