namespace Decentral.Libp2p.Gossip.Service;

/// <summary>How the gossip service uses streams; validated when the service is created.</summary>
public sealed record GossipServiceOptions
{
    /// <summary>Largest RPC accepted or sent, in bytes (default 4 MiB, as js-libp2p).</summary>
    public int MaxRpcBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>RPCs queued per peer before new ones are dropped (default 1024).</summary>
    public int PeerQueueCapacity { get; init; } = 1024;

    /// <summary>
    /// Encoded bytes queued per peer before new RPCs are dropped (default 16 MiB, at least
    /// <see cref="MaxRpcBytes"/>): a peer that reads slowly costs at most this much memory.
    /// </summary>
    public long PeerQueueBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Deliveries buffered for the application before the oldest is dropped (default 4096).</summary>
    public int DeliveryQueueCapacity { get; init; } = 4096;

    /// <summary>Data bytes of the deliveries buffered for the application (default 64 MiB, at least <see cref="MaxRpcBytes"/>); past it the oldest are dropped.</summary>
    public long DeliveryQueueBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void EnsureValid()
    {
        if (MaxRpcBytes < 1024 || PeerQueueCapacity < 1 || DeliveryQueueCapacity < 1)
        {
            throw new ArgumentException("MaxRpcBytes must be >= 1024 and queue capacities >= 1.");
        }

        if (PeerQueueBytes < MaxRpcBytes || DeliveryQueueBytes < MaxRpcBytes)
        {
            throw new ArgumentException("PeerQueueBytes and DeliveryQueueBytes must hold at least one RPC of MaxRpcBytes.");
        }
    }
}
