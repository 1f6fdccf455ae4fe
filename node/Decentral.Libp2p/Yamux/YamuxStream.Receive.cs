using System.Buffers;

namespace Decentral.Libp2p.Yamux;

/// <content>Taking received frames into the stream's buffer, against its window and memory budget.</content>
internal sealed partial class YamuxStream
{
    /// <summary>
    /// Takes ownership of a rented array holding a frame's payload (returned to the pool whatever
    /// happens). A window violation is the remote's protocol error; a spent budget resets this stream.
    /// </summary>
    public EnqueueResult TryEnqueueOwned(byte[] array, int count) => Enqueue(count, array, default);

    /// <summary>Copies a small frame's payload into the buffer's tail segment.</summary>
    public EnqueueResult TryEnqueueCopy(ReadOnlySpan<byte> data) => Enqueue(data.Length, null, data);

    private EnqueueResult Enqueue(int count, byte[]? owned, ReadOnlySpan<byte> copy)
    {
        BudgetVerdict verdict;
        lock (_gate)
        {
            if ((uint)count > _receiveWindow)
            {
                Return(owned);
                return new EnqueueResult(EnqueueStatus.WindowViolation, $"stream {Id} received {count} bytes with a window of {_receiveWindow}");
            }

            _receiveWindow -= (uint)count;
            if (_reset || _released || _remoteClosed)
            {
                Return(owned);
                return new EnqueueResult(EnqueueStatus.Dropped, null);
            }

            verdict = _budget.TryCharge(owned?.Length ?? (_received.CostOfCopy(count)));
            if (verdict == BudgetVerdict.Ok)
            {
                if (owned is not null)
                {
                    _received.AddOwned(owned, count);
                }
                else
                {
                    _received.AddCopy(copy);
                }

                Signal(ref _readable);
                return new EnqueueResult(EnqueueStatus.Accepted, null);
            }

            Return(owned);
        }

        // Over budget: this stream's reader is too slow for what its remote sends; the others go on.
        Reset();
        var which = verdict == BudgetVerdict.Host ? "the host's" : "the connection's";
        return new EnqueueResult(verdict == BudgetVerdict.Host ? EnqueueStatus.HostBudget : EnqueueStatus.SessionBudget,
            $"stream {Id} reset: {which} receive buffer budget is spent");
    }

    private static void Return(byte[]? array)
    {
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}

/// <summary>How a received frame was taken.</summary>
internal enum EnqueueStatus
{
    /// <summary>Buffered for the reader.</summary>
    Accepted,

    /// <summary>The stream is closed for reading: dropped, as the spec allows.</summary>
    Dropped,

    /// <summary>More than the window: the remote broke the protocol (the session closes).</summary>
    WindowViolation,

    /// <summary>The session's budget is spent: the stream was reset.</summary>
    SessionBudget,

    /// <summary>The host's budget is spent: the stream was reset.</summary>
    HostBudget,
}

/// <summary>The outcome of taking a frame, with the reason when it was not accepted.</summary>
internal readonly record struct EnqueueResult(EnqueueStatus Status, string? Reason);
