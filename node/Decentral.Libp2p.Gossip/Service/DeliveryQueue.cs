using System.Threading.Channels;
using Decentral.Libp2p.Gossip.Router;

namespace Decentral.Libp2p.Gossip.Service;

/// <summary>
/// Deliveries waiting for the application, bounded in count and in data bytes: when either is
/// passed the oldest are dropped (and counted), so an application that reads slowly under a
/// flood costs a fixed amount of memory. The application reads it as a <see cref="ChannelReader{T}"/>.
/// </summary>
internal sealed class DeliveryQueue : ChannelReader<GossipDelivery>
{
    private readonly Channel<GossipDelivery> _inner;
    private readonly long _maxBytes;
    private long _bytes;
    private long _dropped;

    public DeliveryQueue(int capacity, long maxBytes)
    {
        _maxBytes = maxBytes;
        _inner = Channel.CreateBounded<GossipDelivery>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest },
            dropped =>
            {
                Interlocked.Add(ref _bytes, -dropped.Data.Length);
                Interlocked.Increment(ref _dropped);
            });
    }

    /// <summary>Deliveries dropped so far because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Data bytes waiting.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <inheritdoc />
    public override Task Completion => _inner.Reader.Completion;

    /// <inheritdoc />
    public override bool CanCount => true;

    /// <inheritdoc />
    public override int Count => _inner.Reader.Count;

    /// <summary>Queues a delivery, dropping the oldest ones while the byte bound is passed.</summary>
    public void Write(GossipDelivery delivery)
    {
        Interlocked.Add(ref _bytes, delivery.Data.Length);
        if (!_inner.Writer.TryWrite(delivery))
        {
            // Completed: the service is stopping.
            Interlocked.Add(ref _bytes, -delivery.Data.Length);
            return;
        }

        while (Interlocked.Read(ref _bytes) > _maxBytes && _inner.Reader.TryRead(out var oldest))
        {
            Interlocked.Add(ref _bytes, -oldest.Data.Length);
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Complete() => _inner.Writer.TryComplete();

    /// <inheritdoc />
    public override bool TryRead(out GossipDelivery item)
    {
        if (!_inner.Reader.TryRead(out item!))
        {
            return false;
        }

        Interlocked.Add(ref _bytes, -item.Data.Length);
        return true;
    }

    /// <inheritdoc />
    public override bool TryPeek(out GossipDelivery item) => _inner.Reader.TryPeek(out item!);

    /// <inheritdoc />
    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => _inner.Reader.WaitToReadAsync(cancellationToken);
}
