using System.Threading.Channels;
using Decentral.Identity;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Transport;

/// <summary>
/// One peer's queue of one kind (control or bulk), drained in order by one task. A delivery that
/// throws (a bug on this side: an encode of a released model, a failing callback) is handed to
/// <c>faulted</c> and the lane goes on with the next message: before, the exception ended the
/// drain task silently, and every later message to that peer sat in the queue for good (pings
/// unanswered, the peer soon counted dead).
/// </summary>
internal sealed class SendLane
{
    private readonly PeerId _peer;
    private readonly Channel<ProtocolMessage> _queue;
    private readonly Func<PeerId, ProtocolMessage, CancellationToken, Task> _deliver;
    private readonly Action<PeerId, ProtocolMessage, Exception> _faulted;
    private readonly CancellationToken _stopping;

    public SendLane(PeerId peer, int capacity, Func<PeerId, ProtocolMessage, CancellationToken, Task> deliver,
        Action<PeerId, ProtocolMessage, Exception> faulted, CancellationToken stopping)
    {
        _peer = peer;
        _deliver = deliver;
        _faulted = faulted;
        _stopping = stopping;
        _queue = Channel.CreateBounded<ProtocolMessage>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Worker = Task.Run(DrainAsync);
    }

    /// <summary>The drain task; it ends when the lane is completed or the transport stops.</summary>
    public Task Worker { get; }

    /// <summary>Queues a message; false when the lane is full or completed.</summary>
    public bool TryEnqueue(ProtocolMessage message) => _queue.Writer.TryWrite(message);

    /// <summary>No more messages: the drain ends after the queued ones.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private async Task DrainAsync()
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(_stopping).ConfigureAwait(false))
            {
                try
                {
                    await _deliver(_peer, message, _stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException && !(ex is OperationCanceledException && _stopping.IsCancellationRequested))
                {
                    _faulted(_peer, message, ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: queued messages are dropped with the node.
        }
    }
}
