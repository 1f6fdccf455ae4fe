using System.Net;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Transport;

namespace Decentral.Libp2p.Host;

/// <content>
/// Accepting, upgrading and registering connections under the budget, and the reasons logged
/// and counted for every connection that is refused, fails its handshake or closes.
/// </content>
public sealed partial class Libp2pHost
{
    private async Task AcceptLoopAsync(TcpListener listener, Multiaddr address)
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                Log.ListenerFailed(_logger, address.ToString(), e.SocketErrorCode.ToString());
                continue;
            }

            // Read the endpoint once while the socket is open: every later log line uses this copy.
            var endPoint = socket.RemoteEndPoint as IPEndPoint;
            var remote = endPoint?.ToString() ?? "?";
            var key = endPoint is null ? null : _budget.KeyOf(endPoint.Address);
            var pending = _budget.TryBeginInbound(key, _time.GetTimestamp(), out var refusal, out _);
            if (pending is null)
            {
                RefusedInbound(remote, refusal, RefusalDetail(refusal));
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            _ = Task.Run(() => AcceptOneAsync(socket, remote, pending), CancellationToken.None);
        }
    }

    private async Task AcceptOneAsync(Socket socket, string remote, PendingHandshake pending)
    {
        using (pending)
        {
            using var timer = new CancellationTokenSource(_options.HandshakeTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, _shutdown.Token, pending.Token);
            Log.InboundAccepted(_logger, remote);
            UpgradeResult upgrade;
            try
            {
                upgrade = await HandshakeAsync(socket, Direction.Inbound, null, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The handshake disposed the socket on its way out: only the captured endpoint is used.
                _budget.EndInbound(pending);
                var failure = pending.Evicted ? HandshakeFailure.Evicted
                    : _shutdown.IsCancellationRequested ? HandshakeFailure.HostClosed : HandshakeFailure.TimedOut;
                FailedInbound(remote, failure, failure switch
                {
                    HandshakeFailure.Evicted => $"a newer socket took its slot: {_options.MaxPendingInboundHandshakes} handshakes pending",
                    HandshakeFailure.TimedOut => $"handshake timed out after {_options.HandshakeTimeout}",
                    _ => "host closed",
                });
                return;
            }

            if (upgrade.Status != DialStatus.Connected)
            {
                _budget.EndInbound(pending);
                FailedInbound(remote, FailureOf(upgrade), upgrade.Reason!);
                return;
            }

            if (!_budget.TryPromoteInbound(pending, upgrade.RemotePeer!, out var refusal))
            {
                await upgrade.Secure!.DisposeAsync().ConfigureAwait(false);
                if (pending.Evicted)
                {
                    FailedInbound(remote, HandshakeFailure.Evicted, "a newer socket took its slot as the handshake finished");
                }
                else
                {
                    RefusedInbound(remote, refusal, refusal == RefusalReason.PeerConnectionLimit
                        ? $"{_options.MaxConnectionsPerPeer} connections to {upgrade.RemotePeer}" : RefusalDetail(refusal));
                }

                return;
            }

            await RegisterAsync(upgrade, Direction.Inbound, pending.Address, pending.StartedAt).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the upgrade on a connected socket; the socket is disposed on every failure and on cancellation.</summary>
    private async Task<UpgradeResult> HandshakeAsync(Socket socket, Direction direction, PeerId? expected, CancellationToken cancellationToken)
    {
        // Endpoints are read before anything can dispose the socket.
        var remote = TcpTransport.AddressOf(socket.RemoteEndPoint);
        var local = TcpTransport.AddressOf(socket.LocalEndPoint);
        var raw = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var upgrade = await Upgrader.UpgradeAsync(raw, _identity, direction == Direction.Outbound,
                _options.EarlyMuxerNegotiation, expected, cancellationToken).ConfigureAwait(false);
            if (upgrade.Status != DialStatus.Connected)
            {
                await raw.DisposeAsync().ConfigureAwait(false);
            }

            return upgrade with { Remote = remote, Local = local };
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException or ObjectDisposedException)
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            return new UpgradeResult(DialStatus.SecurityFailed, null, null, $"connection failed during upgrade: {e.Message}") { TransportFailed = true };
        }
        catch
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Makes an upgraded connection live: tracked, started, counted and announced.</summary>
    private async Task<DialResult> RegisterAsync(UpgradeResult upgrade, Direction direction, AddressKey? addressKey, long startedAt)
    {
        var connection = new Libp2pConnection(upgrade.Secure!, upgrade.RemotePeer!, upgrade.Remote!, upgrade.Local!, direction,
            addressKey, _options, _time, _logger, _buffers, _metrics);
        _connections[connection.Id] = connection;
        _metrics.Opened(direction, _time.GetElapsedTime(startedAt));
        connection.Start(stream => ServeInboundAsync(connection, stream));
        _ = connection.Closed.ContinueWith(t => OnClosed(connection, t.Result), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (_disposed != 0)
        {
            await connection.CloseAsync("host closed", CloseReason.HostClosed).ConfigureAwait(false);
            return DialResult.Fail(DialStatus.HostClosed, "host disposed");
        }

        Log.ConnectionOpened(_logger, connection.Id, connection.RemotePeer.ToString(), direction.ToString());
        Raise(PeerConnected, new ConnectionEventArgs(connection));
        if (_options.IdentifyOnConnect)
        {
            _ = Task.Run(() => IdentifyAsync(connection), CancellationToken.None);
        }

        return new DialResult(DialStatus.Connected, connection, null);
    }

    private void OnClosed(Libp2pConnection connection, string reason)
    {
        _connections.TryRemove(connection.Id, out _);
        _budget.Closed(connection.Direction, connection.AddressKey, connection.RemotePeer);
        _metrics.Closed(connection.Direction, connection.CloseKind);
        Log.ConnectionClosed(_logger, connection.Id, connection.RemotePeer.ToString(), connection.Direction.ToString(),
            Libp2pMetrics.TagOf(connection.CloseKind), reason);
        Raise(PeerDisconnected, new ConnectionEventArgs(connection));
    }

    private static HandshakeFailure FailureOf(UpgradeResult upgrade) => upgrade.TransportFailed ? HandshakeFailure.TransportFailed : upgrade.Status switch
    {
        DialStatus.NegotiationFailed => HandshakeFailure.NegotiationFailed,
        DialStatus.PeerIdMismatch => HandshakeFailure.PeerIdMismatch,
        _ => HandshakeFailure.SecurityFailed,
    };

    private string RefusalDetail(RefusalReason refusal) => refusal switch
    {
        RefusalReason.InboundLimit => $"{_options.MaxInboundConnections} inbound connections",
        RefusalReason.AddressPendingLimit => $"{_options.MaxPendingHandshakesPerAddress} handshakes pending from this address",
        RefusalReason.AddressConnectionLimit => $"{_options.MaxInboundConnectionsPerAddress} connections from this address",
        _ => refusal.ToString(),
    };

    private void RefusedInbound(string remote, RefusalReason reason, string detail)
    {
        // Logged before counted: a test that waits for the count then finds the line.
        LogInbound("refused", remote, Libp2pMetrics.TagOf(reason), detail);
        _metrics.Refused(Direction.Inbound, reason);
    }

    private void FailedInbound(string remote, HandshakeFailure reason, string detail)
    {
        LogInbound("failed its handshake", remote, Libp2pMetrics.TagOf(reason), detail);
        _metrics.Failed(Direction.Inbound, reason);
    }

    /// <summary>Inbound trouble is the remote's doing and may come in floods: warnings are throttled per kind.</summary>
    private void LogInbound(string outcome, string remote, string reason, string detail)
    {
        if (_warnings.IsDue($"{outcome}:{reason}", out var suppressed))
        {
            Log.InboundTroubleWarning(_logger, remote, outcome, reason, detail, suppressed);
        }
        else
        {
            Log.InboundTrouble(_logger, remote, outcome, reason, detail);
        }
    }

    private void RefusedOutbound(string remote, RefusalReason reason, string detail)
    {
        Log.OutboundRefused(_logger, remote, Libp2pMetrics.TagOf(reason), detail);
        _metrics.Refused(Direction.Outbound, reason);
    }

    private void FailedOutbound(string remote, HandshakeFailure reason, string detail)
    {
        Log.OutboundHandshakeFailed(_logger, remote, Libp2pMetrics.TagOf(reason), detail);
        _metrics.Failed(Direction.Outbound, reason);
    }
}
