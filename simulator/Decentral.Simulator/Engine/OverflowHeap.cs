namespace Decentral.Simulator.Engine;

/// <summary>
/// A 4-ary min-heap of (time, sequence, slot) for events beyond the timing wheel's horizon.
/// Four children per node halve the depth of a binary heap and keep siblings in one cache line.
/// </summary>
internal sealed class OverflowHeap
{
    private Entry[] _items = new Entry[64];
    private int _count;

    public int Count => _count;

    public long PeekTime() => _items[0].Time;

    public int PeekSlot() => _items[0].Slot;

    public void Push(long time, long sequence, int slot)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var entry = new Entry(time, sequence, slot);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            if (!Less(entry, _items[parent]))
            {
                break;
            }

            _items[i] = _items[parent];
            i = parent;
        }

        _items[i] = entry;
    }

    public int Pop()
    {
        int slot = _items[0].Slot;
        Entry last = _items[--_count];
        if (_count > 0)
        {
            SiftDown(last);
        }

        return slot;
    }

    private void SiftDown(Entry entry)
    {
        int i = 0;
        while (true)
        {
            int first = (i << 2) + 1;
            if (first >= _count)
            {
                break;
            }

            int best = first;
            int end = Math.Min(first + 4, _count);
            for (int c = first + 1; c < end; c++)
            {
                if (Less(_items[c], _items[best]))
                {
                    best = c;
                }
            }

            if (!Less(_items[best], entry))
            {
                break;
            }

            _items[i] = _items[best];
            i = best;
        }

        _items[i] = entry;
    }

    private static bool Less(in Entry a, in Entry b) => a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);

    private readonly record struct Entry(long Time, long Sequence, int Slot);
}
