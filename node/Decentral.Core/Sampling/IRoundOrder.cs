using Decentral.Identity;
using Decentral.Membership;

namespace Decentral.Sampling;

/// <summary>
/// Supplies candidates of round k in rank order (<see cref="SampleRank"/>). The list may hold
/// peers the caller does not know; the caller filters by its own view. A real node ranks its own
/// view; a simulation ranks the universe of all peers once per round and shares the result.
/// </summary>
public interface IRoundOrder
{
    /// <summary>Candidates of <paramref name="round"/> in rank order.</summary>
    IReadOnlyList<PeerId> Order(long round, MembershipView view);
}

/// <summary>
/// Ranks the peers of the asking view, caching the last few rounds (a node asks for the same
/// round several times: as trainer, aggregator and when failing over). A cached order is
/// recomputed when the view gained peers since. Entries are keyed by the view too, so one
/// instance may serve several views (the <see cref="IRoundOrder"/> contract allows it).
/// </summary>
public sealed class ViewRoundOrder : IRoundOrder
{
    private const int CacheSize = 4;
    private readonly (long Round, MembershipView? View, int ViewCount, PeerId[] Order)[] _cache = new (long, MembershipView?, int, PeerId[])[CacheSize];
    private int _next;

    /// <inheritdoc />
    public IReadOnlyList<PeerId> Order(long round, MembershipView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        foreach (var c in _cache)
        {
            if (c.Order is not null && c.Round == round && ReferenceEquals(c.View, view) && c.ViewCount == view.Count)
            {
                return c.Order;
            }
        }

        var order = view.Peers().ToArray();
        SampleRank.Sort(order, round);
        _cache[_next] = (round, view, view.Count, order);
        _next = (_next + 1) % CacheSize;
        return order;
    }
}

/// <summary>
/// One rank order per round over a fixed universe of peers, shared by every node of a
/// simulation: O(N log N) once per round instead of once per node. Peers outside the universe
/// (none, in a simulation that registers everyone) would be invisible, so register all first.
/// </summary>
public sealed class SharedRoundOrder : IRoundOrder
{
    private readonly PeerId[] _universe;
    private readonly Dictionary<long, PeerId[]> _cache = [];
    private readonly Queue<long> _age = new();
    private readonly int _capacity;

    /// <summary>Creates the shared order over <paramref name="universe"/>, keeping <paramref name="roundsCached"/> rounds.</summary>
    public SharedRoundOrder(IEnumerable<PeerId> universe, int roundsCached = 8)
    {
        ArgumentNullException.ThrowIfNull(universe);
        ArgumentOutOfRangeException.ThrowIfLessThan(roundsCached, 1);
        _universe = [.. universe.Distinct().Order()];
        _capacity = roundsCached;
    }

    /// <summary>Number of peers in the universe.</summary>
    public int Count => _universe.Length;

    /// <inheritdoc />
    public IReadOnlyList<PeerId> Order(long round, MembershipView view)
    {
        if (_cache.TryGetValue(round, out var cached))
        {
            return cached;
        }

        var order = (PeerId[])_universe.Clone();
        SampleRank.Sort(order, round);
        _cache[round] = order;
        _age.Enqueue(round);
        if (_age.Count > _capacity)
        {
            _cache.Remove(_age.Dequeue());
        }

        return order;
    }
}
