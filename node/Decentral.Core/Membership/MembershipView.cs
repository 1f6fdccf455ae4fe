using Decentral.Identity;

namespace Decentral.Membership;

/// <summary>
/// A node's view of the membership: one <see cref="PeerRecord"/> per known peer, merged with the
/// commutative, associative, idempotent rule of <see cref="PeerRecord.Merge"/>.
/// </summary>
/// <remarks>
/// Storage is a shared immutable <see cref="SharedViewBase"/> plus this view's own overlay of
/// records that changed, so N simulated nodes cost O(N + changes), not O(N²). Every change gets
/// a local sequence number and goes into a change log; <see cref="ChangedSince"/> reads the log
/// to build the deltas piggybacked on model messages. The membership digest (peer, index,
/// status; see <see cref="MembershipDigest"/>) is maintained incrementally.
/// Not thread-safe: owned by one protocol node.
/// </remarks>
public sealed class MembershipView
{
    private readonly SharedViewBase _base;
    private readonly Dictionary<PeerId, Entry> _overlay = [];
    private readonly List<LogItem> _log = [];
    private int _overlayOnly;

    /// <summary>Creates a view over a shared base (or an empty one).</summary>
    public MembershipView(SharedViewBase? sharedBase = null)
    {
        _base = sharedBase ?? SharedViewBase.Empty;
        Digest = _base.Digest;
    }

    /// <summary>Membership digest of the whole view.</summary>
    public ulong Digest { get; private set; }

    /// <summary>Sequence number of the latest change (0 before any change).</summary>
    public long Version { get; private set; }

    /// <summary>Number of known peers.</summary>
    public int Count => _base.Count + _overlayOnly;

    /// <summary>Number of records this view holds beyond the shared base (its own memory cost).</summary>
    public int OverlayCount => _overlay.Count;

    /// <summary>Looks up a peer.</summary>
    public bool TryGet(PeerId peer, out PeerRecord record)
    {
        if (_overlay.TryGetValue(peer, out var entry))
        {
            record = entry.Record;
            return true;
        }

        return _base.TryGet(peer, out record);
    }

    /// <summary>True when the peer is known.</summary>
    public bool Contains(PeerId peer) => _overlay.ContainsKey(peer) || _base.TryGet(peer, out _);

    /// <summary>
    /// True when <paramref name="peer"/> counts as active for round <paramref name="round"/>:
    /// status JOIN and last active at or after <c>round - threshold</c>.
    /// </summary>
    public bool IsActive(PeerId peer, long round, int threshold) =>
        TryGet(peer, out var r) && r.Status == MembershipStatus.Join && r.LastActiveRound >= round - threshold;

    /// <summary>Merges <paramref name="incoming"/> into the view; true when anything changed.</summary>
    public bool Merge(in PeerRecord incoming)
    {
        if (!TryGet(incoming.Peer, out var current))
        {
            Store(incoming, isNew: true);
            Digest ^= MembershipDigest.Of(incoming);
            return true;
        }

        var merged = PeerRecord.Merge(current, incoming);
        if (merged == current)
        {
            return false;
        }

        if (merged.MembershipIndex != current.MembershipIndex || merged.Status != current.Status)
        {
            Digest ^= MembershipDigest.Of(current) ^ MembershipDigest.Of(merged);
        }

        Store(merged, isNew: false);
        return true;
    }

    /// <summary>
    /// Raises the peer's last-active round to at least <paramref name="round"/>; an unknown peer is
    /// added as a JOIN with membership index 0 (any record that carries its real index wins).
    /// </summary>
    public bool Touch(PeerId peer, long round) =>
        Merge(TryGet(peer, out var r) ? r with { LastActiveRound = round } : new PeerRecord(peer, round, 0, MembershipStatus.Join));

    /// <summary>Marks a peer LEAVE at its current index (it failed as aggregator, or said goodbye).</summary>
    public bool MarkLeave(PeerId peer) =>
        TryGet(peer, out var r) && Merge(r with { Status = MembershipStatus.Leave });

    /// <summary>All records: base peers in id order (with this view's changes), then peers only this view knows.</summary>
    public IEnumerable<PeerRecord> Records()
    {
        foreach (var peer in _base.Peers)
        {
            TryGet(peer, out var record);
            yield return record;
        }

        foreach (var (_, entry) in _overlay)
        {
            if (entry.IsOverlayOnly)
            {
                yield return entry.Record;
            }
        }
    }

    /// <summary>All known peer ids, in the order of <see cref="Records"/>.</summary>
    public IEnumerable<PeerId> Peers() => Records().Select(r => r.Peer);

    /// <summary>Records whose latest change has a sequence number greater than <paramref name="version"/>, in change order.</summary>
    public List<PeerRecord> ChangedSince(long version)
    {
        var result = new List<PeerRecord>();
        var start = FirstLogIndexAfter(version);
        for (var i = start; i < _log.Count; i++)
        {
            var item = _log[i];
            var entry = _overlay[item.Peer];
            if (entry.Seq == item.Seq)
            {
                result.Add(entry.Record);
            }
        }

        return result;
    }

    /// <summary>How many records <see cref="ChangedSince"/> would return, without building them.</summary>
    public int CountChangedSince(long version)
    {
        var count = 0;
        for (var i = FirstLogIndexAfter(version); i < _log.Count; i++)
        {
            if (_overlay[_log[i].Peer].Seq == _log[i].Seq)
            {
                count++;
            }
        }

        return count;
    }

    private int FirstLogIndexAfter(long version)
    {
        int lo = 0, hi = _log.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_log[mid].Seq > version)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private void Store(in PeerRecord record, bool isNew)
    {
        var seq = ++Version;
        if (_overlay.TryGetValue(record.Peer, out var existing))
        {
            _overlay[record.Peer] = existing with { Record = record, Seq = seq };
        }
        else
        {
            var overlayOnly = isNew && !_base.TryGet(record.Peer, out _);
            _overlay[record.Peer] = new Entry(record, seq, overlayOnly);
            if (overlayOnly)
            {
                _overlayOnly++;
            }
        }

        _log.Add(new LogItem(seq, record.Peer));
        if (_log.Count > (2 * _overlay.Count) + 64)
        {
            CompactLog();
        }
    }

    // Drops superseded log items; keeps sequence order, so binary search still works.
    private void CompactLog()
    {
        var write = 0;
        for (var read = 0; read < _log.Count; read++)
        {
            var item = _log[read];
            if (_overlay[item.Peer].Seq == item.Seq)
            {
                _log[write++] = item;
            }
        }

        _log.RemoveRange(write, _log.Count - write);
    }

    private readonly record struct Entry(PeerRecord Record, long Seq, bool IsOverlayOnly);

    private readonly record struct LogItem(long Seq, PeerId Peer);
}
