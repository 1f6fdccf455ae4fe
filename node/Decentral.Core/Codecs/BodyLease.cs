using System.Buffers;
using Decentral.Learning;

namespace Decentral.Codecs;

/// <summary>
/// Where a pooled <see cref="ModelEncoder"/> rents the bodies it encodes into: the shared array
/// pools, or (tests) a pool of its own that counts what is out. Thread-safe.
/// </summary>
internal sealed class BodyPool
{
    private long _outstanding;

    /// <summary>The pool of every node of the process.</summary>
    public static BodyPool Shared { get; } = new();

    /// <summary>Arrays rented and not yet given back (to check that every view was released).</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>At least <paramref name="length"/> bytes, contents undefined.</summary>
    public byte[] RentBytes(int length)
    {
        Interlocked.Increment(ref _outstanding);
        return ArrayPool<byte>.Shared.Rent(length);
    }

    /// <summary>At least <paramref name="length"/> floats, contents undefined.</summary>
    public float[] RentFloats(int length)
    {
        Interlocked.Increment(ref _outstanding);
        return ArrayPool<float>.Shared.Rent(length);
    }

    /// <summary>Gives back what <see cref="RentBytes"/> handed out (nothing for null).</summary>
    public void Return(byte[]? bytes)
    {
        if (bytes is not null)
        {
            ArrayPool<byte>.Shared.Return(bytes);
            Interlocked.Decrement(ref _outstanding);
        }
    }

    /// <summary>Gives back what <see cref="RentFloats"/> handed out (nothing for null).</summary>
    public void Return(float[]? floats)
    {
        if (floats is not null)
        {
            ArrayPool<float>.Shared.Return(floats);
            Interlocked.Decrement(ref _outstanding);
        }
    }
}

/// <summary>
/// The rented buffers behind the views of one model a pooled encoder made (see
/// <see cref="EncodedModel.Share"/>): each holder keeps a view of its own and releases it once;
/// the buffers go back to their pool when the last view is released. What the views decode to is
/// immutable and cached here, so the holders of one aggregate decode it once.
/// </summary>
internal sealed class BodyLease(BodyPool pool, byte[]? body, byte[]? compressed, float[]? floats)
{
    private int _views = 1;

    /// <summary>The decoded whole model, once a view decoded it (a heap copy, never rented).</summary>
    public ModelVector? Decoded { get; set; }

    /// <summary>Its hash, once computed.</summary>
    public ModelHash? Hash { get; set; }

    /// <summary>One more view (called through a live view, so the count is at least one).</summary>
    public void AddView() => Interlocked.Increment(ref _views);

    /// <summary>A view was released; the last one gives the buffers back.</summary>
    public void DropView()
    {
        if (Interlocked.Decrement(ref _views) != 0)
        {
            return;
        }

        pool.Return(body);
        pool.Return(compressed);
        pool.Return(floats);
    }
}
