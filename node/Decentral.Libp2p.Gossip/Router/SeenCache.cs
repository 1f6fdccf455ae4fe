using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>
/// Message ids seen within the last TTL, so duplicates are neither delivered nor forwarded.
/// Entries expire in insertion order, which is also expiry order because the TTL is fixed.
/// At most <c>maxIds</c> are held: beyond it the oldest expire early, so a flood of distinct
/// messages cannot grow the cache without bound (an id forgotten early may be delivered twice).
/// </summary>
internal sealed class SeenCache(TimeSpan ttl, int maxIds)
{
    private readonly HashSet<MessageId> _ids = [];
    private readonly Queue<(MessageId Id, DateTimeOffset Expires)> _expiry = new();

    /// <summary>Number of ids held.</summary>
    public int Count => _ids.Count;

    /// <summary>True when the id was seen and has not expired.</summary>
    public bool Contains(MessageId id) => _ids.Contains(id);

    /// <summary>Adds the id; false when it was already present.</summary>
    public bool Add(MessageId id, DateTimeOffset now)
    {
        if (!_ids.Add(id))
        {
            return false;
        }

        if (_ids.Count > maxIds && _expiry.TryDequeue(out var oldest))
        {
            _ids.Remove(oldest.Id);
        }

        _expiry.Enqueue((id, now + ttl));
        return true;
    }

    /// <summary>Drops ids whose TTL ran out.</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_expiry.TryPeek(out var head) && head.Expires <= now)
        {
            _expiry.Dequeue();
            _ids.Remove(head.Id);
        }
    }
}
