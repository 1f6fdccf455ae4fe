using System.Collections.Concurrent;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Node.Runtime.Options;
using Decentral.Node.Runtime.Peers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Decentral.Node.Runtime.Transport;

/// <summary>
/// Runs deliveries to one peer through that peer's resilience pipeline (Polly, keyed by peer id,
/// on the injected <see cref="TimeProvider"/>): a timeout for the whole delivery
/// (network:sendTimeout), retries with jittered exponential backoff for failures a new dial may
/// cure (a refused or broken connection; never for an answer the peer gave), and a circuit
/// breaker that stops dialling a peer that keeps failing until it goes half-open. Each attempt
/// reuses an open connection or dials the peer's known addresses (signed records first).
/// These are the transport's retries; the protocol core keeps its own (model resends, ping
/// resends, aggregator failover) on top, so nothing is retried twice at one layer. A delivery
/// asked for with one attempt (a liveness probe, whose search resends it anyway) skips the dial
/// retries: its failure reaches the search at once instead of after the backoff.
/// </summary>
public sealed class PeerConnector : IDisposable
{
    private readonly ILibp2pHost _host;
    private readonly AddressBook _book;
    private readonly NetworkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipelineRegistry<PeerId> _pipelines = new();
    private readonly ConcurrentDictionary<PeerId, SemaphoreSlim> _dialLocks = new();
    private readonly ConcurrentDictionary<PeerId, CircuitBreakerManualControl> _breakers = new();
    // Set on a delivery's resilience context when its failed dials are not to be retried.
    private static readonly ResiliencePropertyKey<bool> OneAttempt = new("decentral.one-attempt");

    /// <summary>Creates the connector.</summary>
    public PeerConnector(ILibp2pHost host, AddressBook book, NetworkOptions options, TimeProvider time, ILogger logger)
    {
        _host = host;
        _book = book;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised when a peer's circuit opens (the reason is the failure that opened it).</summary>
    public event Action<PeerId, string>? CircuitOpened;

    /// <summary>
    /// Delivers through <paramref name="peer"/>'s pipeline: connects (or reuses the connection),
    /// then runs <paramref name="exchange"/> on it. With <paramref name="retryDials"/> false a
    /// failed dial is not retried (the failure still counts against the peer's circuit).
    /// Expected failures come back as outcomes; cancellation by <paramref name="cancellationToken"/> throws.
    /// </summary>
    public async Task<SendOutcome> DeliverAsync(PeerId peer, Func<CancellationToken, Task<SendOutcome>> exchange, CancellationToken cancellationToken,
        bool retryDials = true)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(exchange);
        var pipeline = _pipelines.GetOrAddPipeline<SendOutcome>(peer, (builder, _) => Configure(builder, peer));
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OneAttempt, !retryDials);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (context, state) => await state.Self.AttemptAsync(state.Peer, state.Exchange, context.CancellationToken).ConfigureAwait(false),
                context,
                (Self: this, Peer: peer, Exchange: exchange)).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            return new SendOutcome(SendStatus.CircuitOpen, $"circuit open for {peer} ({e.Message})");
        }
        catch (TimeoutRejectedException)
        {
            return new SendOutcome(SendStatus.TimedOut, $"no delivery to {peer} within {_options.SendTimeout}");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Makes sure a connection to <paramref name="peer"/> is open, dialling its known addresses when needed.</summary>
    public async Task<SendOutcome> ConnectAsync(PeerId peer, CancellationToken cancellationToken)
    {
        if (IsConnected(peer))
        {
            return SendOutcome.Delivered;
        }

        var gate = _dialLocks.GetOrAdd(peer, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsConnected(peer))
            {
                return SendOutcome.Delivered;
            }

            var addresses = _book.AddressesOf(peer);
            if (addresses.Count == 0)
            {
                return new SendOutcome(SendStatus.NoAddress, $"no address known for {peer}");
            }

            var reasons = new List<string>();
            foreach (var address in addresses)
            {
                var dial = await _host.DialAsync(address, _options.DialTimeout, cancellationToken).ConfigureAwait(false);
                if (dial.IsConnected)
                {
                    return SendOutcome.Delivered;
                }

                reasons.Add($"{address}: {dial.Status} {dial.Reason}");
            }

            return new SendOutcome(SendStatus.DialFailed, string.Join("; ", reasons));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The peer proved it is up (it connected to this node): close its circuit if it was open, so
    /// a restarted peer is not shunned for the rest of a break it no longer deserves.
    /// </summary>
    public async Task PeerReachableAsync(PeerId peer)
    {
        if (_breakers.TryGetValue(peer, out var control))
        {
            await control.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>True when an open connection to <paramref name="peer"/> exists.</summary>
    public bool IsConnected(PeerId peer) => _host.Connections.Any(c => c.RemotePeer == peer && !c.IsClosed);

    /// <inheritdoc />
    public void Dispose()
    {
        _pipelines.Dispose();
        foreach (var gate in _dialLocks.Values)
        {
            gate.Dispose();
        }
    }

    private async Task<SendOutcome> AttemptAsync(PeerId peer, Func<CancellationToken, Task<SendOutcome>> exchange, CancellationToken cancellationToken)
    {
        var connected = await ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
        if (!connected.Ok)
        {
            return connected;
        }

        var outcome = await exchange(cancellationToken).ConfigureAwait(false);
        if (outcome.Status == SendStatus.StreamFailed)
        {
            // A connection that cannot carry a stream is stale (the peer may have restarted):
            // drop it, so a retry dials afresh instead of failing on it again.
            await _host.DisconnectAsync(peer).ConfigureAwait(false);
        }

        return outcome;
    }

    private void Configure(ResiliencePipelineBuilder<SendOutcome> builder, PeerId peer)
    {
        builder.TimeProvider = _time;
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = _options.SendTimeout });
        if (_options.DialRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<SendOutcome>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.IsTransient && !args.Context.Properties.GetValue(OneAttempt, false)),
                MaxRetryAttempts = _options.DialRetries,
                Delay = _options.DialRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    Log.Retrying(_logger, peer, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Result.Reason ?? args.Outcome.Exception?.Message ?? "?");
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<SendOutcome>
        {
            ManualControl = _breakers.GetOrAdd(peer, _ => new CircuitBreakerManualControl()),
            ShouldHandle = new PredicateBuilder<SendOutcome>().HandleResult(o => o.CountsAgainstPeer),
            FailureRatio = _options.BreakerFailureRatio,
            MinimumThroughput = _options.BreakerMinimumThroughput,
            SamplingDuration = _options.BreakerSamplingDuration,
            BreakDuration = _options.BreakerBreakDuration,
            OnOpened = args =>
            {
                var reason = args.Outcome.Result.Reason ?? args.Outcome.Exception?.Message ?? "?";
                Log.CircuitOpened(_logger, peer, args.BreakDuration, reason);
                CircuitOpened?.Invoke(peer, reason);
                return default;
            },
            OnHalfOpened = _ =>
            {
                Log.CircuitHalfOpen(_logger, peer);
                return default;
            },
            OnClosed = _ =>
            {
                Log.CircuitClosed(_logger, peer);
                return default;
            },
        });
    }
}
