using System.Numerics;

namespace Decentral.Simulator.Engine;

/// <summary>
/// Pending events ordered by (time, insertion sequence): a timing wheel of one-tick buckets for
/// the near future plus a 4-ary heap for events beyond the wheel's horizon.
/// </summary>
/// <remarks>
/// Why a wheel: measured on these machines (see the simulator notes) a one-tick-bucket wheel
/// runs 5-10x faster than a binary or 4-ary heap at 10^4-10^6 pending events. Invariant: every
/// live event with time in [now, now + wheel size) sits in the wheel, later ones in the overflow
/// heap. Whenever the clock moves, overflow events that came inside the horizon move into their
/// buckets in (time, sequence) order before anything else can be scheduled at those times, so
/// each bucket stays in insertion order and ties break by sequence. A bitmap of occupied buckets
/// lets the scan skip 64 empty buckets per step. Event slots live in one array and are reused
/// through a free list; cancelling marks the slot and the slot is reclaimed when it comes due.
/// Not thread-safe.
/// </remarks>
public sealed class EventQueue
{
    private const int None = -1;

    private Slot[] _slots;
    private int _freeHead = None;
    private int _slotHigh;

    // Head and tail side by side: one cache miss per bucket touch instead of two.
    private readonly Bucket[] _buckets;
    private readonly ulong[] _occupied;
    private readonly long _wheelSize;
    private readonly int _mask;
    private int _wheelCount;

    private readonly OverflowHeap _overflow = new();

    private long _now;
    private long _sequence;
    private int _liveCount;

    /// <summary>Creates an empty queue whose wheel covers 2^<paramref name="wheelBits"/> ticks.</summary>
    /// <param name="wheelBits">log2 of the wheel size, 6..24. 20 covers about one second of microseconds.</param>
    /// <param name="initialSlots">Initial capacity of the event slot array.</param>
    public EventQueue(int wheelBits = 20, int initialSlots = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wheelBits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(wheelBits, 24);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialSlots, 1);
        int size = 1 << wheelBits;
        _wheelSize = size;
        _mask = size - 1;
        _buckets = new Bucket[size];
        Array.Fill(_buckets, new Bucket { Head = None, Tail = None });
        _occupied = new ulong[size >> 6];
        _slots = new Slot[initialSlots];
    }

    /// <summary>The queue's clock: the time of the last event taken out (or the last advance).</summary>
    public long Now => _now;

    /// <summary>Number of scheduled events that were neither run nor cancelled.</summary>
    public int Count => _liveCount;

    /// <summary>Schedules an event at <paramref name="time"/>, which must not be before <see cref="Now"/>.</summary>
    public EventHandle Enqueue(long time, ISimEventHandler handler, object? state, long arg)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (time < _now)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, $"Cannot schedule in the past (now is {_now}).");
        }

        int slot = AllocateSlot();
        ref Slot s = ref _slots[slot];
        s.Time = time;
        s.Sequence = _sequence++;
        s.Handler = handler;
        s.State = state;
        s.Arg = arg;
        s.Cancelled = false;
        _liveCount++;
        if (time - _now < _wheelSize)
        {
            AppendToBucket(slot, time);
        }
        else
        {
            _overflow.Push(time, s.Sequence, slot);
        }

        return new EventHandle(slot, s.Generation);
    }

    /// <summary>Cancels a pending event; false when it already ran, was cancelled, or the handle is stale.</summary>
    public bool Cancel(EventHandle handle)
    {
        if (!IsPending(handle))
        {
            return false;
        }

        ref Slot s = ref _slots[handle.Slot];
        s.Cancelled = true;
        // Drop references now so a cancelled timer does not keep its target alive until it comes due.
        s.Handler = null;
        s.State = null;
        _liveCount--;
        return true;
    }

    /// <summary>True while the event of <paramref name="handle"/> is scheduled and not cancelled.</summary>
    public bool IsPending(EventHandle handle) =>
        handle.Generation != 0
        && (uint)handle.Slot < (uint)_slotHigh
        && _slots[handle.Slot].Generation == handle.Generation
        && _slots[handle.Slot].Handler is not null
        && !_slots[handle.Slot].Cancelled;

    /// <summary>Time of the next live event, without taking it out.</summary>
    public bool TryPeekTime(out long time)
    {
        if (_wheelCount > 0 && TryFindWheelHead(out int bucket))
        {
            time = _slots[_buckets[bucket].Head].Time;
            return true;
        }

        return TryPeekOverflow(out time);
    }

    /// <summary>Takes out the next live event and moves <see cref="Now"/> to its time.</summary>
    public bool TryDequeue(out ScheduledEvent next) => TryDequeue(long.MaxValue, out next);

    /// <summary>
    /// Takes out the next live event if it is due at or before <paramref name="maxTime"/> and
    /// moves <see cref="Now"/> to its time; false (clock unchanged) otherwise.
    /// </summary>
    public bool TryDequeue(long maxTime, out ScheduledEvent next)
    {
        // One scan finds the event: this is the hot path of every simulation.
        long time;
        if (_wheelCount > 0 && TryFindWheelHead(out int bucket))
        {
            time = _slots[_buckets[bucket].Head].Time;
            if (time > maxTime)
            {
                next = default;
                return false;
            }

            if (time != _now)
            {
                MoveClock(time);
            }
        }
        else
        {
            if (!TryPeekOverflow(out time) || time > maxTime)
            {
                next = default;
                return false;
            }

            // The wheel holds no live event, so moving the clock pulls this one into its bucket.
            MoveClock(time);
            bucket = (int)(time & _mask);
        }

        int slot = _buckets[bucket].Head;
        RemoveHead(bucket, slot);
        ref Slot s = ref _slots[slot];
        next = new ScheduledEvent(s.Time, s.Handler!, s.State, s.Arg);
        _liveCount--;
        FreeSlot(slot);
        return true;
    }

    /// <summary>Moves the clock forward to <paramref name="time"/>; no live event may be due before it.</summary>
    public void AdvanceTo(long time)
    {
        if (time < _now)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, $"The clock cannot go back (now is {_now}).");
        }

        if (TryPeekTime(out long due) && due < time)
        {
            throw new InvalidOperationException($"Cannot advance to {time}: an event is due at {due}.");
        }

        MoveClock(time);
    }

    // Sets the clock and moves overflow events that came inside the horizon into the wheel, in
    // (time, sequence) order, before anything else can be scheduled at those times.
    private void MoveClock(long time)
    {
        _now = time;
        long horizon = time + _wheelSize;
        while (_overflow.Count > 0 && _overflow.PeekTime() < horizon)
        {
            int slot = _overflow.Pop();
            if (_slots[slot].Cancelled)
            {
                FreeSlot(slot);
            }
            else
            {
                AppendToBucket(slot, _slots[slot].Time);
            }
        }
    }

    private bool TryPeekOverflow(out long time)
    {
        while (_overflow.Count > 0)
        {
            int slot = _overflow.PeekSlot();
            if (!_slots[slot].Cancelled)
            {
                time = _slots[slot].Time;
                return true;
            }

            _overflow.Pop();
            FreeSlot(slot);
        }

        time = 0;
        return false;
    }

    // Finds the first bucket at or after now (wrapping) whose head is live, reclaiming cancelled heads.
    private bool TryFindWheelHead(out int bucket)
    {
        while (_wheelCount > 0)
        {
            bucket = NextOccupied((int)(_now & _mask));
            int slot = _buckets[bucket].Head;
            if (!_slots[slot].Cancelled)
            {
                return true;
            }

            RemoveHead(bucket, slot);
            FreeSlot(slot);
        }

        bucket = None;
        return false;
    }

    private int NextOccupied(int start)
    {
        int words = _occupied.Length;
        int word = start >> 6;
        ulong bits = _occupied[word] & (ulong.MaxValue << (start & 63));
        for (int scanned = 0; scanned <= words; scanned++)
        {
            if (bits != 0)
            {
                return (word << 6) + BitOperations.TrailingZeroCount(bits);
            }

            word = word + 1 == words ? 0 : word + 1;
            bits = _occupied[word];
        }

        throw new InvalidOperationException("Timing wheel count and bitmap disagree.");
    }

    private void AppendToBucket(int slot, long time)
    {
        int bucket = (int)(time & _mask);
        _slots[slot].Next = None;
        int tail = _buckets[bucket].Tail;
        if (tail == None)
        {
            _buckets[bucket].Head = slot;
            _occupied[bucket >> 6] |= 1UL << (bucket & 63);
        }
        else
        {
            _slots[tail].Next = slot;
        }

        _buckets[bucket].Tail = slot;
        _wheelCount++;
    }

    private void RemoveHead(int bucket, int slot)
    {
        int next = _slots[slot].Next;
        _buckets[bucket].Head = next;
        if (next == None)
        {
            _buckets[bucket].Tail = None;
            _occupied[bucket >> 6] &= ~(1UL << (bucket & 63));
        }

        _wheelCount--;
    }

    private int AllocateSlot()
    {
        if (_freeHead != None)
        {
            int slot = _freeHead;
            _freeHead = _slots[slot].Next;
            return slot;
        }

        if (_slotHigh == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }

        _slots[_slotHigh].Generation = 1;
        return _slotHigh++;
    }

    private void FreeSlot(int slot)
    {
        ref Slot s = ref _slots[slot];
        s.Handler = null;
        s.State = null;
        // Generation 0 is reserved for "no event", so skip it on wrap-around.
        s.Generation = s.Generation == int.MaxValue ? 1 : s.Generation + 1;
        s.Next = _freeHead;
        _freeHead = slot;
    }

    private struct Bucket
    {
        public int Head;
        public int Tail;
    }

    private struct Slot
    {
        public long Time;
        public long Sequence;
        public long Arg;
        public ISimEventHandler? Handler;
        public object? State;
        public int Next;
        public int Generation;
        public bool Cancelled;
    }
}

/// <summary>An event taken out of the queue.</summary>
/// <param name="Time">When it is due.</param>
/// <param name="Handler">Who runs it.</param>
/// <param name="State">The object given when scheduling.</param>
/// <param name="Arg">The integer given when scheduling.</param>
public readonly record struct ScheduledEvent(long Time, ISimEventHandler Handler, object? State, long Arg);
