using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Identify;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.MultistreamSelect;
using Decentral.Libp2p.Transport;
using Decentral.Libp2p.Yamux;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Host;

/// <content>Accepting, upgrading and tracking connections; inbound stream dispatch; identify.</content>
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

            socket.NoDelay = true;
            // Read once while the socket is open: every later log line about it uses this copy.
            var remote = socket.RemoteEndPoint?.ToString() ?? "?";
            if (!TryReserveSlot())
            {
                Log.ConnectionLimit(_logger, remote, _options.MaxConnections);
                socket.Dispose();
                continue;
            }

            _ = Task.Run(() => AcceptOneAsync(socket, remote), CancellationToken.None);
        }
    }

    private async Task AcceptOneAsync(Socket socket, string remote)
    {
        try
        {
            using var timer = new CancellationTokenSource(_options.UpgradeTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, _shutdown.Token);
            Log.InboundAccepted(_logger, remote);
            await UpgradeAsync(socket, Direction.Inbound, null, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The upgrade disposed the socket on its way out: log the endpoint captured at accept.
            Log.UpgradeFailed(_logger, nameof(Direction.Inbound), remote, _shutdown.IsCancellationRequested ? "host closed" : $"handshake timed out after {_options.UpgradeTimeout}");
            socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
            socket.Dispose();
        }
        finally
        {
            Interlocked.Decrement(ref _pendingUpgrades);
        }
    }

    /// <summary>Runs the upgrade on a connected socket; the socket is disposed on every failure.</summary>
    private async Task<DialResult> UpgradeAsync(Socket socket, Direction direction, PeerId? expected, CancellationToken cancellationToken)
    {
        var remote = TcpTransport.AddressOf(socket.RemoteEndPoint);
        var local = TcpTransport.AddressOf(socket.LocalEndPoint);
        var raw = new NetworkStream(socket, ownsSocket: true);
        UpgradeResult upgrade;
        try
        {
            upgrade = await Upgrader.UpgradeAsync(raw, _identity, direction == Direction.Outbound,
                _options.EarlyMuxerNegotiation, expected, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException)
        {
            upgrade = new UpgradeResult(DialStatus.SecurityFailed, null, null, $"connection failed during upgrade: {e.Message}");
        }
        catch
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (upgrade.Status != DialStatus.Connected)
        {
            Log.UpgradeFailed(_logger, direction.ToString(), remote.ToString(), upgrade.Reason!);
            await raw.DisposeAsync().ConfigureAwait(false);
            return DialResult.Fail(upgrade.Status, upgrade.Reason!);
        }

        var connection = new Libp2pConnection(upgrade.Secure!, upgrade.RemotePeer!, remote, local, direction, _options, _time, _logger);
        _connections[connection.Id] = connection;
        connection.Start(stream => ServeInboundAsync(connection, stream));
        _ = connection.Closed.ContinueWith(t => OnClosed(connection, t.Result), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (_disposed != 0)
        {
            await connection.CloseAsync().ConfigureAwait(false);
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
        Log.ConnectionClosed(_logger, connection.Id, connection.RemotePeer.ToString(), reason);
        Raise(PeerDisconnected, new ConnectionEventArgs(connection));
    }

    private async Task ServeInboundAsync(Libp2pConnection connection, YamuxStream stream)
    {
        NegotiationResult negotiation;
        using (var timer = new CancellationTokenSource(_options.StreamNegotiationTimeout, _time))
        {
            try
            {
                negotiation = await MultistreamSelect.MultistreamSelect.ListenAsync(stream, _handlers.ContainsKey, timer.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
            {
                negotiation = new NegotiationResult(NegotiationStatus.EndOfStream, null, e.Message);
            }
        }

        if (negotiation.Status != NegotiationStatus.Agreed || !_handlers.TryGetValue(negotiation.Protocol!, out var handler))
        {
            Log.InboundStreamFailed(_logger, connection.Id, negotiation.Reason ?? "handler removed");
            stream.Reset();
            return;
        }

        stream.SetProtocol(negotiation.Protocol!);
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        using var onClose = connection.Closed.ContinueWith(_ => closing.Cancel(), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await handler(stream, closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failing handler must not take the host down: the stream is reset, the connection lives on.
            if (!closing.IsCancellationRequested)
            {
                Log.HandlerFailed(_logger, e, connection.Id, negotiation.Protocol!);
            }

            stream.Reset();
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ServeIdentifyAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        var message = IdentifyProtocol.Encode(PeerId, _options.ProtocolVersion, _options.AgentVersion,
            AdvertisedAddresses, Protocols, stream.Connection.RemoteAddress, LocalRecord);
        await IdentifyProtocol.RespondAsync(stream, message, cancellationToken).ConfigureAwait(false);
    }

    private async Task IdentifyAsync(Libp2pConnection connection)
    {
        using var timer = new CancellationTokenSource(_options.StreamNegotiationTimeout, _time);
        var opened = await connection.OpenStreamAsync([IdentifyProtocol.ProtocolId], timer.Token).ConfigureAwait(false);
        if (!opened.IsOpened)
        {
            Log.IdentifyFailed(_logger, connection.Id, $"{opened.Status}: {opened.Reason}");
            return;
        }

        await using var stream = opened.Stream;
        (IdentifyInfo? Info, string? Error) read;
        try
        {
            read = await IdentifyProtocol.ReadAsync(stream, timer.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            read = (null, e.Message);
        }

        if (read.Info is null || read.Info.Peer != connection.RemotePeer)
        {
            Log.IdentifyFailed(_logger, connection.Id, read.Error ?? "identify key does not match the connection's peer");
            return;
        }

        connection.RemoteIdentify = read.Info;
        Raise(PeerIdentified, new PeerIdentifiedEventArgs(connection, read.Info));
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A subscriber's bug must not break the connection life cycle; it is logged as such.
            Log.HandlerFailed(_logger, e, -1, "event subscriber");
        }
    }
}
