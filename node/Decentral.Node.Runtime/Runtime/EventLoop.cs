using System.Threading.Channels;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>
/// The node's single event loop: every event for the protocol core goes through one unbounded
/// channel and is handled by one task, one at a time, so the core (which is not thread-safe and
/// has no awaits) sees its events serialized. Network input is bounded separately: at most
/// <c>networkCapacity</c> arrived messages may wait, beyond that the receiver refuses new ones
/// as busy (the sender's core then retries), so a flood cannot grow the queue without bound.
/// Internal events (timers, training results, failed sends, actions) are never refused.
/// </summary>
internal sealed class EventLoop
{
    private readonly Channel<NodeEvent> _events = Channel.CreateUnbounded<NodeEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _networkCapacity;
    private int _queuedNetwork;

    public EventLoop(int networkCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(networkCapacity, 1);
        _networkCapacity = networkCapacity;
    }

    /// <summary>Network messages waiting.</summary>
    public int QueuedNetwork => Volatile.Read(ref _queuedNetwork);

    /// <summary>Queues an internal event; false only after the loop completed.</summary>
    public bool Post(NodeEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Queues an arrived message unless <c>networkCapacity</c> are already waiting.</summary>
    public bool TryPostNetwork(MessageArrived e)
    {
        if (Interlocked.Increment(ref _queuedNetwork) > _networkCapacity)
        {
            Interlocked.Decrement(ref _queuedNetwork);
            return false;
        }

        if (!_events.Writer.TryWrite(e))
        {
            Interlocked.Decrement(ref _queuedNetwork);
            return false;
        }

        return true;
    }

    /// <summary>Stops accepting events; the loop ends after the ones already queued.</summary>
    public void Complete() => _events.Writer.TryComplete();

    /// <summary>Handles events until <see cref="Complete"/> or cancellation; exceptions from the handler end the loop.</summary>
    public async Task RunAsync(Action<NodeEvent> handle, CancellationToken cancellationToken)
    {
        await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e is MessageArrived)
            {
                Interlocked.Decrement(ref _queuedNetwork);
            }

            handle(e);
        }
    }
}
