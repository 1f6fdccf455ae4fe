using System.Diagnostics.Metrics;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Decentral.Libp2p.Gossip.Transfer;

/// <summary>
/// Binds <see cref="ModelTransferProtocol"/> to a libp2p host: serves requests and makes them,
/// with bounded concurrency (<see cref="ModelTransferOptions.MaxConcurrentInbound"/> and friends).
/// Every exchange is counted on the meter "Decentral.Libp2p" as <see cref="TransfersMetric"/>
/// (tags direction, status: the snake_case <see cref="TransferStatus"/> or "refused_busy").
/// </summary>
public sealed class ModelTransferService : IDisposable
{
    /// <summary>The counter of finished exchanges.</summary>
    public const string TransfersMetric = "decentral.libp2p.transfers";

    /// <summary>The up-down counter of exchanges in progress (direction).</summary>
    public const string ActiveTransfersMetric = "decentral.libp2p.transfers.active";

    private readonly ILibp2pHost _host;
    private readonly ModelTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _outbound;
    private readonly Dictionary<PeerId, int> _inboundPerPeer = [];
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _transfers;
    private readonly UpDownCounter<long> _active;
    private int _inbound;

    /// <summary>Creates the service; call <see cref="Serve"/> to accept requests.</summary>
    public ModelTransferService(ILibp2pHost host, ModelTransferOptions options, TimeProvider time, ILogger<ModelTransferService>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        _host = host;
        _options = options;
        _time = time;
        _logger = logger ?? NullLogger<ModelTransferService>.Instance;
        _outbound = new SemaphoreSlim(options.MaxConcurrentOutbound, options.MaxConcurrentOutbound);
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Libp2pMetrics.MeterName) ?? new Meter(Libp2pMetrics.MeterName);
        _transfers = _meter.CreateCounter<long>(TransfersMetric, "{transfer}");
        _active = _meter.CreateUpDownCounter<long>(ActiveTransfersMetric, "{transfer}");
    }

    /// <summary>The meter this service records into.</summary>
    public Meter Meter => _meter;

    /// <summary>Registers <paramref name="handler"/> for inbound requests.</summary>
    public void Serve(ModelRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _host.SetStreamHandler(ModelTransferProtocol.ProtocolId, async (stream, cancellationToken) =>
        {
            await using (stream.ConfigureAwait(false))
            {
                var peer = stream.RemotePeer;
                if (!TryEnterInbound(peer, out var busy))
                {
                    Log.TransferRefused(_logger, peer, busy);
                    Count(Direction.Inbound, "refused_busy");
                    stream.Reset();
                    return;
                }

                _active.Add(1, DirectionTag(Direction.Inbound));
                try
                {
                    var result = await ModelTransferProtocol.ServeAsync(stream, peer, handler, _options, _time, cancellationToken).ConfigureAwait(false);
                    var failed = result.Status is TransferStatus.ProtocolError or TransferStatus.StreamFailed or TransferStatus.TimedOut;
                    if (failed)
                    {
                        // Logged before counted: whoever waits for the count then finds the reason.
                        Log.TransferFailed(_logger, peer, result.Reason ?? result.Status.ToString());
                    }

                    Count(Direction.Inbound, StatusTag(result.Status));
                    if (failed)
                    {
                        stream.Reset();
                        return;
                    }

                    await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _active.Add(-1, DirectionTag(Direction.Inbound));
                    ExitInbound(peer);
                }
            }
        });
    }

    /// <summary>Sends a request to a connected peer and streams the response body into <paramref name="responseSink"/>.</summary>
    public async Task<TransferResult> RequestAsync(PeerId peer, ReadOnlyMemory<byte> header, Stream? body, long bodyLength,
        Stream responseSink, CancellationToken cancellationToken = default)
    {
        using (var wait = new CancellationTokenSource(_options.Timeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wait.Token))
        {
            try
            {
                await _outbound.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Count(Direction.Outbound, StatusTag(TransferStatus.TimedOut));
                return new TransferResult(TransferStatus.TimedOut, 0, $"no outbound transfer slot within {_options.Timeout} ({_options.MaxConcurrentOutbound} in flight)");
            }
        }

        _active.Add(1, DirectionTag(Direction.Outbound));
        try
        {
            var result = await RequestOnStreamAsync(peer, header, body, bodyLength, responseSink, cancellationToken).ConfigureAwait(false);
            Count(Direction.Outbound, StatusTag(result.Status));
            return result;
        }
        finally
        {
            _active.Add(-1, DirectionTag(Direction.Outbound));
            _outbound.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _outbound.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private async Task<TransferResult> RequestOnStreamAsync(PeerId peer, ReadOnlyMemory<byte> header, Stream? body, long bodyLength,
        Stream responseSink, CancellationToken cancellationToken)
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

    private bool TryEnterInbound(PeerId peer, out string reason)
    {
        lock (_inboundPerPeer)
        {
            if (_inbound >= _options.MaxConcurrentInbound)
            {
                reason = $"{_options.MaxConcurrentInbound} transfers in flight";
                return false;
            }

            var ofPeer = _inboundPerPeer.GetValueOrDefault(peer);
            if (ofPeer >= _options.MaxConcurrentInboundPerPeer)
            {
                reason = $"{_options.MaxConcurrentInboundPerPeer} transfers in flight from this peer";
                return false;
            }

            _inbound++;
            _inboundPerPeer[peer] = ofPeer + 1;
            reason = "";
            return true;
        }
    }

    private void ExitInbound(PeerId peer)
    {
        lock (_inboundPerPeer)
        {
            _inbound--;
            if (--_inboundPerPeer[peer] == 0)
            {
                _inboundPerPeer.Remove(peer);
            }
        }
    }

    private void Count(Direction direction, string status) =>
        _transfers.Add(1, DirectionTag(direction), new KeyValuePair<string, object?>("status", status));

    private static KeyValuePair<string, object?> DirectionTag(Direction direction) => new("direction", Libp2pMetrics.TagOf(direction));

    private static string StatusTag(TransferStatus status) => Libp2pMetrics.TagOf(status);
}
