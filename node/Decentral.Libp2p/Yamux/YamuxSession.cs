using System.Buffers;
using System.Collections.Concurrent;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Noise;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Yamux;

/// <summary>The yamux multiplexer protocol id.</summary>
public static class YamuxProtocol
{
    /// <summary>The protocol id negotiated as muxer.</summary>
    public const string ProtocolId = "/yamux/1.0.0";
}

/// <summary>
/// A yamux session over a secure stream. One read loop parses frames and routes them to
/// streams; writers share the transport through a lock, one whole frame per write.
/// </summary>
/// <remarks>
/// Life cycle: created → <see cref="Start"/> (read loop, keepalive timer) → closed once, by
/// <see cref="CloseAsync"/>, a protocol violation, a keepalive timeout or the transport ending.
/// Closing resets every stream and completes <see cref="Completion"/> with the reason.
/// Frames for unknown (already closed) streams are read and dropped, as the spec allows.
/// </remarks>
internal sealed partial class YamuxSession : IAsyncDisposable
{
    /// <summary>Control frames that may wait for the transport at once before the session is closed.</summary>
    public const int MaxPendingControlFrames = 1024;

    private readonly Stream _transport;
    // The transport when it is a Noise channel, which takes a header and payload without a copy.
    private readonly NoiseSecureStream? _secure;
    private readonly bool _isDialer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private readonly object _gate = new();
    private readonly BufferBudget _budget;
    private readonly IStreamEvents? _events;
    private Func<YamuxStream, Task>? _onInbound;
    private ITimer? _keepAlive;
    private uint _nextId;
    private uint _pingOpaque;
    private long _pingSentAt;
    private bool _pingOutstanding;
    private bool _goAwayReceived;
    private int _closed;
    private int _pendingControlFrames;

    public YamuxSession(Stream transport, bool isDialer, YamuxOptions options, TimeProvider time, ILogger logger, ILibp2pConnection connection,
        BufferBudget? hostBudget = null, IStreamEvents? events = null)
    {
        options.Validate();
        _budget = new BufferBudget(options.MaxSessionBufferedBytes, BudgetVerdict.Session, hostBudget);
        _events = events;
        _transport = transport;
        _secure = transport as NoiseSecureStream;
        _isDialer = isDialer;
        Options = options;
        _time = time;
        _logger = logger;
        Connection = connection;
        _nextId = isDialer ? 1u : 2u;
    }

    public YamuxOptions Options { get; }

    public ILibp2pConnection Connection { get; }

    /// <summary>Completes with the reason once the session closed.</summary>
    public Task<string> Completion => _completion.Task;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Cancelled when the session starts to close, whatever closes it.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Why the session closed (meaningful once <see cref="Completion"/> completed).</summary>
    public CloseReason CloseKind { get; private set; }

    public int StreamCount => _streams.Count;

    /// <summary>Bytes of receive buffers all streams of this session hold.</summary>
    public long BufferedBytes => _budget.Used;

    /// <summary>Starts the read loop and keepalive; <paramref name="onInbound"/> runs per accepted stream.</summary>
    public void Start(Func<YamuxStream, Task> onInbound)
    {
        _onInbound = onInbound;
        if (Options.KeepAliveInterval > TimeSpan.Zero)
        {
            _keepAlive = _time.CreateTimer(_ => OnKeepAliveTick(), null, Options.KeepAliveInterval, Options.KeepAliveInterval);
        }

        _ = Task.Run(ReadLoopAsync);
    }

    /// <summary>Opens an outbound stream (SYN with our window grant); null with a reason when refused.</summary>
    public async Task<(YamuxStream? Stream, string? Error)> OpenStreamAsync(CancellationToken cancellationToken)
    {
        YamuxStream stream;
        lock (_gate)
        {
            if (IsClosed || _goAwayReceived)
            {
                return (null, "session is closing");
            }

            if (_streams.Count >= Options.MaxStreams)
            {
                return (null, $"stream limit {Options.MaxStreams} reached");
            }

            stream = new YamuxStream(this, _nextId, Direction.Outbound, Options.MaxStreamWindow, _budget);
            _nextId += 2;
            _streams[stream.Id] = stream;
        }

        var header = new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, stream.Id, stream.InitialWindowGrant());
        if (!await TrySendAsync(header, default, cancellationToken).ConfigureAwait(false))
        {
            Remove(stream);
            return (null, "session closed");
        }

        return (stream, null);
    }

    /// <summary>Writes one frame; false when the session is closed or the write failed (which closes it).</summary>
    public async ValueTask<bool> TrySendAsync(YamuxHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (IsClosed)
        {
            return false;
        }

        // Over Noise the header and payload go down separately (no copy of the payload); other
        // transports get one buffer so a frame is one write.
        var secure = _secure;
        var size = YamuxHeader.Size + (secure is null ? payload.Length : 0);
        var frame = ArrayPool<byte>.Shared.Rent(size);
        header.Write(frame);
        if (secure is null)
        {
            payload.Span.CopyTo(frame.AsSpan(YamuxHeader.Size));
        }

        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // The caller's token is not passed on: a write cancelled half way would corrupt framing.
                if (secure is not null)
                {
                    await secure.WriteAsync(frame.AsMemory(0, YamuxHeader.Size), payload, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await _transport.WriteAsync(frame.AsMemory(0, size), CancellationToken.None).ConfigureAwait(false);
                }

                return true;
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            await CloseCoreAsync($"write failed: {e.Message}", null, CloseReason.TransportFailed).ConfigureAwait(false);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>
    /// Sends a control frame without waiting (read loop, dispose, reset); failures close the session.
    /// A remote that makes us queue control frames (pings, SYNs) without reading our answers is
    /// cut off once <see cref="MaxPendingControlFrames"/> are queued, so the queue stays bounded.
    /// </summary>
    public void SendInBackground(YamuxHeader header)
    {
        if (Interlocked.Increment(ref _pendingControlFrames) > MaxPendingControlFrames)
        {
            Interlocked.Decrement(ref _pendingControlFrames);
            _ = CloseCoreAsync($"remote does not read: {MaxPendingControlFrames} control frames queued", null, CloseReason.RemoteNotReading);
            return;
        }

        _ = SendControlAsync(header);
    }

    /// <summary>
    /// Forgets <paramref name="stream"/>, only if its id still maps to it: a remote may open a new
    /// stream under the id of one it reset, and the old stream's late release must not drop the new
    /// one (which the session's close would then never reset, leaving its reader waiting forever).
    /// </summary>
    public void Remove(YamuxStream stream) => _streams.TryRemove(new KeyValuePair<uint, YamuxStream>(stream.Id, stream));

    private async Task SendControlAsync(YamuxHeader header)
    {
        try
        {
            await TrySendAsync(header, default, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingControlFrames);
        }
    }

    /// <summary>Sends GoAway (normal) and closes the session.</summary>
    public Task CloseAsync(string reason, CloseReason kind = CloseReason.ClosedLocally) => CloseCoreAsync(reason, YamuxHeader.GoAwayNormal, kind);

    public ValueTask DisposeAsync() => new(CloseAsync("disposed"));

    private async Task CloseCoreAsync(string reason, uint? goAwayCode, CloseReason kind)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        CloseKind = kind;

        if (goAwayCode is { } code)
        {
            // Best effort, bounded: a stuck transport must not keep the close from finishing.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
            var frame = new byte[YamuxHeader.Size];
            new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, code).Write(frame);
            try
            {
                await _writeLock.WaitAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    await _transport.WriteAsync(frame, timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                Log.GoAwayNotSent(_logger, Connection.Id, e.Message);
            }
        }

        _keepAlive?.Dispose();
        await _closing.CancelAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        foreach (var stream in _streams.Values)
        {
            stream.OnReset();
        }

        _streams.Clear();
        Log.SessionClosed(_logger, Connection.Id, reason);
        _completion.TrySetResult(reason);
    }

    private void OnKeepAliveTick()
    {
        uint opaque;
        lock (_gate)
        {
            if (IsClosed)
            {
                return;
            }

            if (_pingOutstanding)
            {
                if (_time.GetElapsedTime(_pingSentAt) >= Options.KeepAliveTimeout)
                {
                    _ = CloseCoreAsync("keepalive ping timed out", YamuxHeader.GoAwayNormal, CloseReason.KeepAliveTimeout);
                }

                return;
            }

            _pingOutstanding = true;
            _pingSentAt = _time.GetTimestamp();
            opaque = ++_pingOpaque;
        }

        SendInBackground(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, opaque));
    }
}

/// <summary>What a session reports about streams it refused or reset (the host counts them).</summary>
internal interface IStreamEvents
{
    /// <summary>An inbound stream was refused at SYN (reason: stream_limit).</summary>
    void StreamRefused(string reason);

    /// <summary>A stream was reset for a resource bound (reason: session_buffer_limit, host_buffer_limit).</summary>
    void StreamReset(string reason);
}
