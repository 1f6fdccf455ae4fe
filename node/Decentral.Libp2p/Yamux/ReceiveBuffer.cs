using System.Buffers;

namespace Decentral.Libp2p.Yamux;

/// <summary>
/// Received, unread bytes of one stream in pooled segments. Frames of at least
/// <see cref="SegmentBytes"/> keep the array they were read into (no copy); smaller ones are
/// copied into the tail segment, so a remote sending one-byte frames costs one byte per byte,
/// not a pooled array each. <see cref="Held"/> is the memory actually held (array lengths).
/// Not thread-safe: the owning stream calls it under its lock.
/// </summary>
internal sealed class ReceiveBuffer
{
    /// <summary>Frames shorter than this are copied into a shared tail segment of this size.</summary>
    public const int SegmentBytes = 4096;

    private readonly Queue<Segment> _segments = new();
    private Segment? _tail;

    /// <summary>Unread bytes.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of pooled arrays held (what the memory budgets are charged).</summary>
    public long Held { get; private set; }

    /// <summary>Takes a rented array holding <paramref name="count"/> bytes; returns the bytes newly held.</summary>
    public int AddOwned(byte[] array, int count)
    {
        _tail = null;
        _segments.Enqueue(new Segment(array) { End = count });
        Count += count;
        Held += array.Length;
        return array.Length;
    }

    /// <summary>Bytes of new memory <see cref="AddCopy"/> would take for <paramref name="length"/> bytes.</summary>
    public int CostOfCopy(int length) => _tail is not null && _tail.Array.Length - _tail.End >= length ? 0 : Math.Max(SegmentBytes, length);

    /// <summary>Copies a small frame into the tail segment (a new one when full); returns the bytes newly held.</summary>
    public int AddCopy(ReadOnlySpan<byte> data)
    {
        var added = 0;
        if (_tail is null || _tail.Array.Length - _tail.End < data.Length)
        {
            _tail = new Segment(ArrayPool<byte>.Shared.Rent(Math.Max(SegmentBytes, data.Length)));
            _segments.Enqueue(_tail);
            added = _tail.Array.Length;
            Held += added;
        }

        data.CopyTo(_tail.Array.AsSpan(_tail.End));
        _tail.End += data.Length;
        Count += data.Length;
        return added;
    }

    /// <summary>Copies unread bytes out; returns (bytes copied, bytes of arrays released).</summary>
    public (int Copied, int Released) CopyTo(Span<byte> destination)
    {
        var copied = 0;
        var released = 0;
        while (copied < destination.Length && _segments.TryPeek(out var head))
        {
            var n = Math.Min(head.End - head.Start, destination.Length - copied);
            head.Array.AsSpan(head.Start, n).CopyTo(destination[copied..]);
            copied += n;
            head.Start += n;
            if (head.Start == head.End)
            {
                // Read to its end: a tail still being filled goes too, the next small frame starts a new one.
                _segments.Dequeue();
                if (ReferenceEquals(head, _tail))
                {
                    _tail = null;
                }

                released += head.Array.Length;
                ArrayPool<byte>.Shared.Return(head.Array);
            }
        }

        Count -= copied;
        Held -= released;
        return (copied, released);
    }

    /// <summary>Returns every array to the pool; returns the bytes released.</summary>
    public long Clear()
    {
        var released = Held;
        while (_segments.TryDequeue(out var segment))
        {
            ArrayPool<byte>.Shared.Return(segment.Array);
        }

        _tail = null;
        Count = 0;
        Held = 0;
        return released;
    }

    private sealed class Segment(byte[] array)
    {
        public byte[] Array { get; } = array;

        public int Start { get; set; }

        public int End { get; set; }
    }
}
