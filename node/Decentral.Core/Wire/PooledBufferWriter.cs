using System.Buffers;

namespace Decentral.Wire;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>.
/// Reuse one per sender (call <see cref="Clear"/> between messages) so encoding allocates
/// nothing in steady state. Ownership: the memory behind <see cref="WrittenMemory"/> belongs to
/// this writer and is valid until the next write, <see cref="Clear"/> or <see cref="Dispose"/>.
/// Not thread-safe.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 256;

    private byte[] _buffer;
    private int _written;

    /// <summary>A writer whose first buffer holds at least <paramref name="initialCapacity"/> bytes.</summary>
    public PooledBufferWriter(int initialCapacity = MinimumCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumCapacity));
    }

    /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
    public int WrittenCount => _written;

    /// <summary>The written bytes.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The written bytes as a span.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets the written bytes and keeps the buffer for the next message.</summary>
    public void Clear() => _written = 0;

    /// <summary>
    /// Makes room for <paramref name="size"/> more bytes at once (e.g. the codec's exact
    /// <c>EncodedSize</c>), so a large model is encoded without intermediate growth copies.
    /// </summary>
    public void EnsureCapacity(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size > Array.MaxLength - _written)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"{size} more bytes do not fit one array.");
        }

        Grow((int)size);
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _written)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Returns the buffer to the pool; the writer must not be used afterwards.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        // Doubling keeps the number of copies logarithmic in the message size.
        var target = (int)Math.Min(Array.MaxLength, Math.Max((long)_written + needed, (long)_buffer.Length * 2));
        var larger = ArrayPool<byte>.Shared.Rent(target);
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
