using System.Buffers;

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
