using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Gossip.Service;

/// <summary>Source-generated log messages of this assembly.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Gossip peer {Peer} up over {Protocol}")]
    public static partial void PeerUp(ILogger logger, PeerId peer, string protocol);

    [LoggerMessage(2, LogLevel.Debug, "Gossip peer {Peer} down: {Reason}")]
    public static partial void PeerDown(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Rejected RPC from {Peer}: {Reason} ({Detail})")]
    public static partial void RpcRejected(ILogger logger, PeerId peer, RpcRejectReason reason, string detail);

    [LoggerMessage(4, LogLevel.Warning, "Closing gossip stream from {Peer}: {Reason}")]
    public static partial void StreamClosed(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(15, LogLevel.Debug, "Gossip stream from {Peer} ended: {Reason}")]
    public static partial void StreamEnded(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(14, LogLevel.Debug, "Closing gossip stream from {Peer} while the service stops: {Reason}")]
    public static partial void StreamClosedStopping(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(5, LogLevel.Debug, "Could not open a meshsub stream to {Peer}: {Reason}")]
    public static partial void OpenFailed(ILogger logger, PeerId peer, string? reason);

    [LoggerMessage(6, LogLevel.Warning, "Send queue to {Peer} full; dropped an RPC")]
    public static partial void QueueFull(ILogger logger, PeerId peer);

    [LoggerMessage(7, LogLevel.Warning, "Model transfer stream from {Peer} failed: {Reason}")]
    public static partial void TransferFailed(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Model transfer stream from {Peer} refused: {Reason}")]
    public static partial void TransferRefused(ILogger logger, PeerId peer, string reason);
}
