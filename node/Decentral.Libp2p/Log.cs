using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p;

/// <summary>All log messages of this assembly (source-generated, structured).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId}: yamux session closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Connection {ConnectionId}: yamux protocol violation, closing: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, long connectionId, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId}: GoAway not sent: {Reason}")]
    public static partial void GoAwayNotSent(ILogger logger, long connectionId, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Connection {ConnectionId}: remote sent GoAway code {Code}")]
    public static partial void GoAwayReceived(ILogger logger, long connectionId, uint code);

    [LoggerMessage(5, LogLevel.Debug, "Connection {ConnectionId}: refused inbound stream {StreamId} (limit or closing)")]
    public static partial void StreamRefused(ILogger logger, long connectionId, uint streamId);

    [LoggerMessage(6, LogLevel.Warning, "Outbound handshake with {Remote} failed: {Reason} ({Detail})")]
    public static partial void OutboundHandshakeFailed(ILogger logger, string remote, string reason, string detail);

    [LoggerMessage(7, LogLevel.Debug, "Connection {ConnectionId}: inbound stream negotiation failed: {Reason}")]
    public static partial void InboundStreamFailed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Connection {ConnectionId}: handler for {Protocol} failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, long connectionId, string protocol);

    [LoggerMessage(9, LogLevel.Information, "Connection {ConnectionId} to {Peer} ({Direction}) opened")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, string peer, string direction);

    [LoggerMessage(10, LogLevel.Information, "Connection {ConnectionId} to {Peer} ({Direction}) closed: {Reason} ({Detail})")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string peer, string direction, string reason, string detail);

    [LoggerMessage(11, LogLevel.Warning, "Connection {ConnectionId}: identify failed: {Reason}")]
    public static partial void IdentifyFailed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Outbound connection to {Remote} refused: {Reason} ({Detail})")]
    public static partial void OutboundRefused(ILogger logger, string remote, string reason, string detail);

    [LoggerMessage(13, LogLevel.Warning, "Listener on {Address} failed: {Reason}")]
    public static partial void ListenerFailed(ILogger logger, string address, string reason);

    [LoggerMessage(14, LogLevel.Debug, "Inbound connection from {Remote} accepted; handshake started")]
    public static partial void InboundAccepted(ILogger logger, string remote);

    [LoggerMessage(15, LogLevel.Warning, "Inbound connection from {Remote} {Outcome}: {Reason} ({Detail}); {Suppressed} more of this kind since the last warning")]
    public static partial void InboundTroubleWarning(ILogger logger, string remote, string outcome, string reason, string detail, long suppressed);

    [LoggerMessage(16, LogLevel.Debug, "Inbound connection from {Remote} {Outcome}: {Reason} ({Detail})")]
    public static partial void InboundTrouble(ILogger logger, string remote, string outcome, string reason, string detail);

    [LoggerMessage(19, LogLevel.Warning, "Connection {ConnectionId}: {Reason}")]
    public static partial void StreamOverBudget(ILogger logger, long connectionId, string reason);

    [LoggerMessage(20, LogLevel.Debug, "Connection {ConnectionId}: inbound stream reset: {Limit} streams already in negotiation")]
    public static partial void NegotiationLimit(ILogger logger, long connectionId, int limit);
}
