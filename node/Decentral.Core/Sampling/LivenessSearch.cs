using Decentral.Identity;
using Decentral.Membership;

namespace Decentral.Sampling;

/// <summary>
/// Finds the first <c>count</c> live peers of a round's order. Life cycle: <see cref="Begin"/>
/// picks the first <c>count</c> active candidates (the owner counts itself live without a ping)
/// and returns the peers to ping; each <see cref="Tick"/> (every ping-resend interval) returns
/// the peers to ping again, drops candidates that stayed silent for the allowed number of
/// attempts and replaces them with the next candidates; <see cref="Answered"/> records a pong.
/// The search is <see cref="IsComplete"/> when <c>count</c> peers answered or the order ran
/// out with nobody left to wait for; <see cref="Result"/> lists the live peers in rank order.
/// Pure bookkeeping: it sends nothing and knows no clock.
/// </summary>
public sealed class LivenessSearch
{
    private readonly PeerId _self;
    private readonly IReadOnlyList<PeerId> _order;
    private readonly Func<PeerId, bool> _eligible;
    private readonly int _attempts;
    private readonly List<(int Rank, PeerId Peer)> _live = [];
    private readonly List<Candidate> _waiting = [];
    private int _next;

    /// <summary>Creates a search over <paramref name="order"/> (rank order of <paramref name="round"/>).</summary>
    /// <param name="id">Identifies the search in pings and timers.</param>
    /// <param name="round">The round whose order is searched.</param>
    /// <param name="count">How many live peers are wanted.</param>
    /// <param name="self">The searching node (live without a ping when eligible).</param>
    /// <param name="order">Candidates in rank order.</param>
    /// <param name="eligible">Which candidates may be picked (active in the view, not excluded).</param>
    /// <param name="attempts">Pings per candidate before it counts as silent.</param>
    public LivenessSearch(long id, long round, int count, PeerId self, IReadOnlyList<PeerId> order, Func<PeerId, bool> eligible, int attempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        Id = id;
        Round = round;
        Count = count;
        _self = self;
        _order = order;
        _eligible = eligible;
        _attempts = attempts;
    }

    /// <summary>The search id.</summary>
    public long Id { get; }

    /// <summary>The round searched.</summary>
    public long Round { get; }

    /// <summary>How many live peers are wanted.</summary>
    public int Count { get; }

    /// <summary>Candidates pinged so far (for telemetry).</summary>
    public int Pinged { get; private set; }

    /// <summary>True when the search has its answer.</summary>
    public bool IsComplete => _live.Count >= Count || (_waiting.Count == 0 && _next >= _order.Count);

    /// <summary>The live peers found, in rank order (at most <see cref="Count"/>).</summary>
    public IReadOnlyList<PeerId> Result => [.. _live.OrderBy(l => l.Rank).Take(Count).Select(l => l.Peer)];

    /// <summary>True while <paramref name="peer"/> is a candidate waiting for its pong.</summary>
    public bool IsWaitingFor(PeerId peer) => _waiting.Exists(c => c.Peer == peer);

    /// <summary>Starts the search; returns the peers to ping now.</summary>
    public List<PeerId> Begin()
    {
        var toPing = new List<PeerId>();
        Refill(toPing);
        return toPing;
    }

    /// <summary>Records a pong from <paramref name="peer"/>; false when it was not awaited.</summary>
    public bool Answered(PeerId peer)
    {
        var index = _waiting.FindIndex(c => c.Peer == peer);
        if (index < 0)
        {
            return false;
        }

        _live.Add((_waiting[index].Rank, peer));
        _waiting.RemoveAt(index);
        return true;
    }

    /// <summary>
    /// A ping to <paramref name="peer"/> could not be delivered: it counts as silent now, and the
    /// next candidates take its place; returns the peers to ping (none when it was not awaited).
    /// </summary>
    public List<PeerId> Unreachable(PeerId peer)
    {
        var toPing = new List<PeerId>();
        var index = _waiting.FindIndex(c => c.Peer == peer);
        if (index >= 0)
        {
            _waiting.RemoveAt(index);
            Refill(toPing);
        }

        return toPing;
    }

    /// <summary>One resend interval passed: returns the peers to ping (again or for the first time).</summary>
    public List<PeerId> Tick()
    {
        var toPing = new List<PeerId>();
        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            var c = _waiting[i];
            if (c.Sent >= _attempts)
            {
                _waiting.RemoveAt(i);
            }
        }

        foreach (var c in _waiting)
        {
            c.Sent++;
            toPing.Add(c.Peer);
        }

        Refill(toPing);
        return toPing;
    }

    private void Refill(List<PeerId> toPing)
    {
        while (_live.Count + _waiting.Count < Count && _next < _order.Count)
        {
            var rank = _next;
            var peer = _order[_next++];
            if (!_eligible(peer))
            {
                continue;
            }

            if (peer == _self)
            {
                _live.Add((rank, peer));
                continue;
            }

            _waiting.Add(new Candidate(rank, peer) { Sent = 1 });
            Pinged++;
            toPing.Add(peer);
        }
    }

    private sealed class Candidate(int rank, PeerId peer)
    {
        public int Rank { get; } = rank;

        public PeerId Peer { get; } = peer;

        public int Sent { get; set; }
    }
}
