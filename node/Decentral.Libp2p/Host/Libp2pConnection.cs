using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.MultistreamSelect;
using Decentral.Libp2p.Noise;
using Decentral.Libp2p.Yamux;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Host;

/// <summary>
/// A connection of the host: a yamux session over Noise over TCP, with its peer and addresses.
/// Outbound streams negotiate their protocol with multistream-select; inbound ones are handed
/// to the host's dispatcher.
/// </summary>
internal sealed class Libp2pConnection : ILibp2pConnection
{
    private static long _nextId;
    private readonly YamuxSession _session;
    private readonly TimeProvider _time;
    private readonly TimeSpan _negotiationTimeout;

    public Libp2pConnection(NoiseSecureStream secure, PeerId remotePeer, Multiaddr remote, Multiaddr local, Direction direction,
        AddressKey? addressKey, Libp2pHostOptions options, TimeProvider time, ILogger logger, BufferBudget hostBuffers, IStreamEvents events)
    {
        AddressKey = addressKey;
        Id = Interlocked.Increment(ref _nextId);
        RemotePeer = remotePeer;
        RemoteAddress = remote;
        LocalAddress = local;
        Direction = direction;
        _time = time;
        _negotiationTimeout = options.StreamNegotiationTimeout;
        _session = new YamuxSession(secure, direction == Direction.Outbound, options.Yamux, time, logger, this, hostBuffers, events);
    }

    public long Id { get; }

    public PeerId RemotePeer { get; }

    public Multiaddr RemoteAddress { get; }

    public Multiaddr LocalAddress { get; }

    public Direction Direction { get; }

    public bool IsClosed => _session.IsClosed;

    public Task<string> Closed => _session.Completion;

    /// <summary>Why the connection closed (meaningful once <see cref="Closed"/> completed).</summary>
    internal CloseReason CloseKind => _session.CloseKind;

    /// <summary>The remote's per-address key (null when exempt or outbound), for the budget.</summary>
    internal AddressKey? AddressKey { get; }

    public IdentifyInfo? RemoteIdentify { get; internal set; }

    /// <summary>Open streams (for leak tests).</summary>
    internal int StreamCount => _session.StreamCount;

    internal YamuxSession Session => _session;

    /// <summary>Inbound streams still negotiating their protocol (the host bounds it).</summary>
    internal int Negotiating;

    internal void Start(Func<YamuxStream, Task> onInbound) => _session.Start(onInbound);

    public async Task<OpenStreamResult> OpenStreamAsync(IReadOnlyList<string> protocolIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocolIds);
        var (stream, error) = await _session.OpenStreamAsync(cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return OpenStreamResult.Fail(IsClosed ? OpenStreamStatus.ConnectionClosed : OpenStreamStatus.StreamLimitReached, error!);
        }

        using var timeout = new CancellationTokenSource(_negotiationTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        NegotiationResult negotiation;
        try
        {
            negotiation = await MultistreamSelect.MultistreamSelect.SelectAsync(stream, protocolIds, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stream.Reset();
            return OpenStreamResult.Fail(OpenStreamStatus.TimedOut, "protocol negotiation timed out");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            stream.Reset();
            return OpenStreamResult.Fail(OpenStreamStatus.ConnectionClosed, e.Message);
        }
        catch
        {
            stream.Reset();
            throw;
        }

        switch (negotiation.Status)
        {
            case NegotiationStatus.Agreed:
                stream.SetProtocol(negotiation.Protocol!);
                return new OpenStreamResult(OpenStreamStatus.Opened, stream, null);
            case NegotiationStatus.NotSupported:
                await stream.DisposeAsync().ConfigureAwait(false);
                return OpenStreamResult.Fail(OpenStreamStatus.ProtocolNotSupported, negotiation.Reason!);
            case NegotiationStatus.EndOfStream:
                stream.Reset();
                return OpenStreamResult.Fail(OpenStreamStatus.ConnectionClosed, negotiation.Reason!);
            default:
                stream.Reset();
                return OpenStreamResult.Fail(OpenStreamStatus.NegotiationFailed, negotiation.Reason!);
        }
    }

    public Task CloseAsync() => _session.CloseAsync("closed locally");

    /// <summary>Closes with a given reason (the host's shutdown, a budget refusal).</summary>
    internal Task CloseAsync(string reason, CloseReason kind) => _session.CloseAsync(reason, kind);

    /// <inheritdoc />
    public override string ToString() => $"#{Id} {Direction} {RemoteAddress}/p2p/{RemotePeer}";
}
