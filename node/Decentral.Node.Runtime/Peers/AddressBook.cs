using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Records;
using Decentral.Membership;

namespace Decentral.Node.Runtime.Peers;

/// <summary>
/// Where each known peer can be dialled: its latest signed peer record (the highest sequence
/// number wins; records arrive in announcements, member lists, identify and attached to protocol
/// messages) and, for bootstrap peers, the configured address. Also keeps each peer's latest
/// announcement (its membership claim and slot), which founding and member lists use.
/// Thread-safe.
/// </summary>
public sealed class AddressBook
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, Entry> _entries = [];
    private readonly PeerId _self;

    /// <summary>A book for the node <paramref name="self"/> (which it never lists as a dial target).</summary>
    public AddressBook(PeerId self) => _self = self;

    /// <summary>Raised (outside the lock) when a peer's announcement was added or replaced by a newer one.</summary>
    public event Action<MemberAnnouncement>? Announced;

    /// <summary>Peers with a known address.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Adds a configured address (with /p2p) of a bootstrap peer.</summary>
    public void AddConfigured(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var peer = address.PeerId ?? throw new ArgumentException("A configured address needs /p2p/<peer id>.", nameof(address));
        if (peer == _self)
        {
            return;
        }

        lock (_gate)
        {
            var entry = Get(peer);
            if (!entry.Configured.Contains(address.WithoutPeerId()))
            {
                entry.Configured.Add(address.WithoutPeerId());
            }
        }
    }

    /// <summary>Stores a verified record when it is newer than the one held; true when it was.</summary>
    public bool AddRecord(PeerRoutingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Peer == _self)
        {
            return false;
        }

        lock (_gate)
        {
            var entry = Get(record.Peer);
            if (entry.Record is { } held && held.Sequence >= record.Sequence)
            {
                return false;
            }

            entry.Record = record;
            return true;
        }
    }

    /// <summary>Stores an announcement (and its record) when it is not older than the one held; true when it changed something.</summary>
    public bool AddAnnouncement(MemberAnnouncement announcement)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        if (announcement.Peer == _self)
        {
            return false;
        }

        bool changed;
        lock (_gate)
        {
            var entry = Get(announcement.Peer);
            var held = entry.Announcement;
            changed = held is null
                || announcement.Record.Sequence > held.Record.Sequence
                || announcement.MembershipIndex > held.MembershipIndex
                || (announcement.MembershipIndex == held.MembershipIndex && (announcement.RoundEstimate > held.RoundEstimate || announcement.Status != held.Status));
            if (changed)
            {
                entry.Announcement = announcement;
            }

            if (entry.Record is null || entry.Record.Sequence < announcement.Record.Sequence)
            {
                entry.Record = announcement.Record;
            }
        }

        if (changed)
        {
            Announced?.Invoke(announcement);
        }

        return changed;
    }

    /// <summary>The addresses to dial <paramref name="peer"/> at: its signed ones first, then configured ones.</summary>
    public IReadOnlyList<Multiaddr> AddressesOf(PeerId peer)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(peer, out var entry))
            {
                return [];
            }

            IEnumerable<Multiaddr> signed = entry.Record?.Addresses ?? [];
            return [.. signed.Concat(entry.Configured).Distinct().Select(a => a.WithPeerId(peer))];
        }
    }

    /// <summary>The signed record of <paramref name="peer"/>, if held.</summary>
    public PeerRoutingRecord? RecordOf(PeerId peer)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(peer, out var entry) ? entry.Record : null;
        }
    }

    /// <summary>The latest announcement of every peer that made one.</summary>
    public List<MemberAnnouncement> Announcements()
    {
        lock (_gate)
        {
            return [.. _entries.Values.Select(e => e.Announcement).OfType<MemberAnnouncement>()];
        }
    }

    /// <summary>Peers that can be dialled (with a record or a configured address).</summary>
    public List<PeerId> DialablePeers()
    {
        lock (_gate)
        {
            return [.. _entries.Where(e => IsDialable(e.Value)).Select(e => e.Key)];
        }
    }

    /// <summary>
    /// The peers the overlay keeps connections to: the dialable ones, except those whose latest
    /// announcement is a LEAVE (a peer that left gracefully is not dialled again until it announces
    /// JOIN; a returning peer dials its bootstrap peers itself).
    /// </summary>
    public List<PeerId> OverlayCandidates()
    {
        lock (_gate)
        {
            return [.. _entries.Where(e => IsDialable(e.Value) && e.Value.Announcement is not { Status: MembershipStatus.Leave }).Select(e => e.Key)];
        }
    }

    /// <summary>The telemetry slot a peer announced, or -1.</summary>
    public int SlotOf(PeerId peer)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(peer, out var entry) && entry.Announcement is { } a ? a.Slot : -1;
        }
    }

    private Entry Get(PeerId peer)
    {
        if (!_entries.TryGetValue(peer, out var entry))
        {
            _entries[peer] = entry = new Entry();
        }

        return entry;
    }

    // A peer can be dialled with a signed record's addresses or a configured one.
    private static bool IsDialable(Entry entry) => entry.Record is { Addresses.Count: > 0 } || entry.Configured.Count > 0;

    private sealed class Entry
    {
        public PeerRoutingRecord? Record { get; set; }

        public MemberAnnouncement? Announcement { get; set; }

        public List<Multiaddr> Configured { get; } = [];
    }
}
