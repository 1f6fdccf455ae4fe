using Decentral.Identity;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Decentral.Libp2p.Gossip.Transfer;

/// <summary>Binds <see cref="ModelTransferProtocol"/> to a libp2p host: serves requests and makes them.</summary>
public sealed class ModelTransferService
{
    private readonly ILibp2pHost _host;
    private readonly ModelTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the service; call <see cref="Serve"/> to accept requests.</summary>
    public ModelTransferService(ILibp2pHost host, ModelTransferOptions options, TimeProvider time, ILogger<ModelTransferService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        _host = host;
        _options = options;
        _time = time;
        _logger = logger ?? NullLogger<ModelTransferService>.Instance;
    }

    /// <summary>Registers <paramref name="handler"/> for inbound requests.</summary>
    public void Serve(ModelRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _host.SetStreamHandler(ModelTransferProtocol.ProtocolId, async (stream, cancellationToken) =>
        {
            await using (stream.ConfigureAwait(false))
            {
                var result = await ModelTransferProtocol.ServeAsync(stream, stream.RemotePeer, handler, _options, _time, cancellationToken).ConfigureAwait(false);
                if (result.Status is TransferStatus.ProtocolError or TransferStatus.StreamFailed or TransferStatus.TimedOut)
                {
                    Log.TransferFailed(_logger, stream.RemotePeer, result.Reason ?? result.Status.ToString());
                    stream.Reset();
                    return;
                }

                await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Sends a request to a connected peer and streams the response body into <paramref name="responseSink"/>.</summary>
    public async Task<TransferResult> RequestAsync(PeerId peer, ReadOnlyMemory<byte> header, Stream? body, long bodyLength,
        Stream responseSink, CancellationToken cancellationToken = default)
    {
        var opened = await _host.OpenStreamAsync(peer, [ModelTransferProtocol.ProtocolId], cancellationToken).ConfigureAwait(false);
        if (!opened.IsOpened)
        {
            return new TransferResult(TransferStatus.StreamFailed, 0, opened.Reason ?? opened.Status.ToString());
        }

        await using (opened.Stream.ConfigureAwait(false))
        {
            var result = await ModelTransferProtocol.RequestAsync(opened.Stream, header, body, bodyLength, responseSink, _options, _time, cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                // A response we did not read completely leaves the stream out of sync: abort it.
                opened.Stream.Reset();
            }

            return result;
        }
    }
}
