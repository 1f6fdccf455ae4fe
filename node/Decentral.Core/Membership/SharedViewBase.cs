using Decentral.Identity;

namespace Decentral.Membership;

/// <summary>
/// An immutable starting view that many <see cref="MembershipView"/>s can share. A simulation of
/// N nodes that all start knowing each other holds these N records once instead of N times;
/// each node keeps only what changed since (its overlay). A real node uses an empty base.
/// </summary>
public sealed class SharedViewBase
{
    private readonly Dictionary<PeerId, PeerRecord> _records;

    /// <summary>Creates a base from records (later duplicates of a peer are merged in).</summary>
    public SharedViewBase(IEnumerable<PeerRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        _records = [];
        foreach (var record in records)
        {
            _records[record.Peer] = _records.TryGetValue(record.Peer, out var existing) ? PeerRecord.Merge(existing, record) : record;
        }

        // Peers in a stable order, so iteration never depends on hash-table layout.
        Peers = [.. _records.Keys.Order()];
        foreach (var record in _records.Values)
        {
            Digest ^= MembershipDigest.Of(record);
        }
    }

    /// <summary>An empty base.</summary>
    public static SharedViewBase Empty { get; } = new([]);

    /// <summary>Membership digest over all base records.</summary>
    public ulong Digest { get; }

    /// <summary>Number of records.</summary>
    public int Count => _records.Count;

    /// <summary>The peers, sorted by id bytes.</summary>
    public IReadOnlyList<PeerId> Peers { get; }

    /// <summary>Looks up a peer's base record.</summary>
    public bool TryGet(PeerId peer, out PeerRecord record) => _records.TryGetValue(peer, out record);
}
