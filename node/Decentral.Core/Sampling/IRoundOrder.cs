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
/// simulation: the N rank keys are hashed once per round instead of once per node. The order is
/// materialized lazily (a heap yields the next lowest rank on demand), because a liveness search
/// reads only the first few candidates: O(N) per round instead of O(N log N), and the arrays of
/// evicted rounds are reused, so a large simulation does not churn the large-object heap.
/// Register every peer of the run (joiners too): a peer outside the universe is never ranked.
/// </summary>
public sealed class SharedRoundOrder : IRoundOrder
{
    private readonly PeerId[] _universe;
    private readonly Dictionary<long, RoundView> _cache = [];
    private readonly Queue<long> _age = new();
    private readonly Stack<LazyOrder> _spare = new();
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

        if (_age.Count >= _capacity)
        {
            var evicted = _age.Dequeue();
            if (_cache.Remove(evicted, out var old))
            {
                _spare.Push(old.Order);
            }
        }

        var order = _spare.Count > 0 ? _spare.Pop() : new LazyOrder(_universe);
        order.Reset(round);
        var ranked = new RoundView(order, order.Generation, round);
        _cache[round] = ranked;
        _age.Enqueue(round);
        return ranked;
    }

    // What callers hold: the shared order while it still belongs to this round; if its arrays
    // were recycled for another round (a caller kept the list beyond the cache), it ranks the
    // round again on its own, so a held list never changes under its reader.
    private sealed class RoundView(LazyOrder order, int generation, long round) : IReadOnlyList<PeerId>
    {
        private LazyOrder? _own;

        public LazyOrder Order => order;

        public int Count => order.Count;

        public PeerId this[int index] => Current[index];

        private LazyOrder Current
        {
            get
            {
                if (_own is null && order.Generation != generation)
                {
                    _own = new LazyOrder(order.Universe);
                    _own.Reset(round);
                }

                return _own ?? order;
            }
        }

        public IEnumerator<PeerId> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    // The universe in rank order of one round, sorted only as far as it has been read: the ranked
    // prefix grows by popping a binary min-heap of the rest. Ties (a 64-bit collision) fall back
    // to peer id order, as in SampleRank.Sort.
    private sealed class LazyOrder(PeerId[] universe)
    {
        private readonly ulong[] _keys = new ulong[universe.Length];
        private readonly int[] _heap = new int[universe.Length];
        private readonly List<PeerId> _ranked = new(64);
        private int _heapSize;

        public int Count => universe.Length;

        public PeerId[] Universe => universe;

        public int Generation { get; private set; }

        public PeerId this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, universe.Length);
                while (_ranked.Count <= index)
                {
                    _ranked.Add(universe[PopMin()]);
                }

                return _ranked[index];
            }
        }

        public void Reset(long round)
        {
            Generation++;
            _ranked.Clear();
            for (var i = 0; i < universe.Length; i++)
            {
                _keys[i] = SampleRank.Of(universe[i], round);
                _heap[i] = i;
            }

            _heapSize = universe.Length;
            for (var i = (_heapSize / 2) - 1; i >= 0; i--)
            {
                SiftDown(i);
            }
        }

        private int PopMin()
        {
            var top = _heap[0];
            _heap[0] = _heap[--_heapSize];
            SiftDown(0);
            return top;
        }

        private bool Less(int a, int b) =>
            _keys[a] != _keys[b] ? _keys[a] < _keys[b] : universe[a].CompareTo(universe[b]) < 0;

        private void SiftDown(int i)
        {
            while (true)
            {
                var left = (2 * i) + 1;
                if (left >= _heapSize)
                {
                    return;
                }

                var smallest = left + 1 < _heapSize && Less(_heap[left + 1], _heap[left]) ? left + 1 : left;
                if (!Less(_heap[smallest], _heap[i]))
                {
                    return;
                }

                (_heap[i], _heap[smallest]) = (_heap[smallest], _heap[i]);
                i = smallest;
            }
        }
    }
}
