using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Identify;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.MultistreamSelect;
using Decentral.Libp2p.Transport;
using Decentral.Libp2p.Yamux;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Host;

/// <content>Inbound stream dispatch, identify and event raising.</content>
public sealed partial class Libp2pHost
{
    private async Task ServeInboundAsync(Libp2pConnection connection, YamuxStream stream)
    {
        if (Interlocked.Increment(ref connection.Negotiating) > _options.MaxNegotiatingStreams)
        {
            Interlocked.Decrement(ref connection.Negotiating);
            Log.NegotiationLimit(_logger, connection.Id, _options.MaxNegotiatingStreams);
            _metrics.StreamRefused("negotiation_limit");
            stream.Reset();
            return;
        }

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
            finally
            {
                Interlocked.Decrement(ref connection.Negotiating);
            }
        }

        if (negotiation.Status != NegotiationStatus.Agreed || !_handlers.TryGetValue(negotiation.Protocol!, out var handler))
        {
            Log.InboundStreamFailed(_logger, connection.Id, negotiation.Reason ?? "handler removed");
            stream.Reset();
            return;
        }

        stream.SetProtocol(negotiation.Protocol!);
        // Linked to the session's own token, not a continuation of connection.Closed: disposing a
        // continuation that has not run throws, and each stream would leave one on the connection.
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, connection.Session.Closing);
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
