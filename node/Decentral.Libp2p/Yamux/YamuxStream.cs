using Decentral.Libp2p.Host;

namespace Decentral.Libp2p.Yamux;

/// <summary>
/// One yamux stream. Received data sits in pooled segments until read (<see cref="ReceiveBuffer"/>);
/// the remote can send at most one window beyond what was read, so the buffer is bounded by the
/// window, and its memory is charged to the session's (and the host's) budget: a frame that
/// would pass a budget resets the stream. Writes take send window before each frame and wait
/// for window updates when it is exhausted.
/// </summary>
/// <remarks>
/// Life cycle: open (SYN sent or received) → half-closed by FIN in either direction → removed
/// when both sides closed, on RST, on dispose, or when the session ends.
/// </remarks>
internal sealed partial class YamuxStream : Libp2pStream
{
    private readonly YamuxSession _session;
    private readonly object _gate = new();
    private readonly ReceiveBuffer _received = new();
    private readonly BufferBudget _budget;
    private readonly int _maxWindow;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;
    private uint _receiveWindow = YamuxOptions.SpecInitialWindow;
    private uint _sendWindow = YamuxOptions.SpecInitialWindow;
    private int _consumed;
    private bool _remoteClosed;
    private bool _localClosed;
    private bool _reset;
    private bool _released;
    private string _protocol = string.Empty;

    public YamuxStream(YamuxSession session, uint id, Direction direction, int maxWindow, BufferBudget budget)
    {
        _session = session;
        _budget = budget;
        Id = id;
        Direction = direction;
        _maxWindow = maxWindow;
    }

    public uint Id { get; }

    /// <inheritdoc />
    public override string Protocol => _protocol;

    /// <inheritdoc />
    public override ILibp2pConnection Connection => _session.Connection;

    /// <inheritdoc />
    public override Direction Direction { get; }

    /// <summary>Bytes buffered and not yet read (for back-pressure tests).</summary>
    public int Buffered
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>Bytes of pooled memory the buffered data holds (for memory tests).</summary>
    public long BufferedMemory
    {
        get
        {
            lock (_gate)
            {
                return _received.Held;
            }
        }
    }

    /// <summary>The window delta to announce with SYN/ACK so the remote may send up to the max window.</summary>
    public uint InitialWindowGrant()
    {
        lock (_gate)
        {
            var extra = (uint)_maxWindow - _receiveWindow;
            _receiveWindow += extra;
            return extra;
        }
    }

    internal void SetProtocol(string protocol) => _protocol = protocol;

    public void OnWindowUpdate(uint delta)
    {
        lock (_gate)
        {
            _sendWindow = (uint)Math.Min(uint.MaxValue, (ulong)_sendWindow + delta);
            Signal(ref _writable);
        }
    }

    public void OnRemoteFin()
    {
        bool release;
        lock (_gate)
        {
            _remoteClosed = true;
            release = _localClosed;
            Signal(ref _readable);
        }

        if (release)
        {
            _session.Remove(this);
        }
    }

    /// <summary>The remote reset the stream, or the session ended: pending calls fail.</summary>
    public void OnReset()
    {
        lock (_gate)
        {
            _reset = true;
            _budget.Release(_received.Clear());
            Signal(ref _readable);
            Signal(ref _writable);
        }
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            Task wait;
            uint update = 0;
            int copied = 0;
            lock (_gate)
            {
                if (_received.Count > 0)
                {
                    var (n, released) = _received.CopyTo(buffer.Span);
                    _budget.Release(released);
                    copied = n;
                    _consumed += n;
                    if (_consumed >= _maxWindow / 2 && !_remoteClosed)
                    {
                        update = (uint)_consumed;
                        _receiveWindow += update;
                        _consumed = 0;
                    }
                }
                else if (_reset)
                {
                    throw new IOException($"Stream {Id} was reset.");
                }
                else if (_remoteClosed || _released)
                {
                    return 0;
                }
            }

            if (copied > 0)
            {
                if (update > 0)
                {
                    await _session.TrySendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, update), default, cancellationToken).ConfigureAwait(false);
                }

                return copied;
            }

            lock (_gate)
            {
                if (_received.Count > 0 || _reset || _remoteClosed || _released)
                {
                    continue;
                }

                wait = Arm(ref _readable);
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            Task? wait = null;
            var chunk = 0;
            lock (_gate)
            {
                if (_reset)
                {
                    throw new IOException($"Stream {Id} was reset.");
                }

                if (_localClosed || _released)
                {
                    throw new InvalidOperationException($"Stream {Id} is closed for writing.");
                }

                if (_sendWindow == 0)
                {
                    wait = Arm(ref _writable);
                }
                else
                {
                    chunk = (int)Math.Min(Math.Min(_sendWindow, (uint)_session.Options.MaxFrameSize), (uint)buffer.Length);
                    _sendWindow -= (uint)chunk;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!await _session.TrySendAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.None, Id, (uint)chunk), buffer[..chunk], cancellationToken).ConfigureAwait(false))
            {
                throw new IOException($"Connection closed while writing stream {Id}.");
            }

            buffer = buffer[chunk..];
        }
    }

    /// <inheritdoc />
    public override async ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
    {
        bool release;
        lock (_gate)
        {
            if (_localClosed || _reset || _released)
            {
                return;
            }

            _localClosed = true;
            release = _remoteClosed;
            Signal(ref _writable);
        }

        await _session.TrySendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0), default, cancellationToken).ConfigureAwait(false);
        if (release)
        {
            _session.Remove(this);
        }
    }

    /// <inheritdoc />
    public override void Reset()
    {
        lock (_gate)
        {
            if (_reset || _released)
            {
                return;
            }
        }

        OnReset();
        _session.Remove(this);
        _session.SendInBackground(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, Id, 0));
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await CloseWriteAsync().ConfigureAwait(false);
        Release();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            bool sendFin;
            lock (_gate)
            {
                sendFin = !_localClosed && !_reset && !_released;
                _localClosed = true;
            }

            if (sendFin)
            {
                _session.SendInBackground(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0));
            }

            Release();
        }

        base.Dispose(disposing);
    }

    private void Release()
    {
        lock (_gate)
        {
            if (_released)
            {
                return;
            }

            // Frames that still arrive for this id are ignored by the session once it is removed.
            _released = true;
            _budget.Release(_received.Clear());
            Signal(ref _readable);
            Signal(ref _writable);
        }

        _session.Remove(this);
    }

    private static Task Arm(ref TaskCompletionSource? signal)
    {
        signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return signal.Task;
    }

    private static void Signal(ref TaskCompletionSource? signal)
    {
        signal?.TrySetResult();
        signal = null;
    }
}
