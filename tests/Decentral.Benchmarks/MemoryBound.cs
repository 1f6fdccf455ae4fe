using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Decentral.Benchmarks;

/// <summary>
/// What the codec kernels cost at best on this machine (512-bit vectors; the benchmark uses it only
/// where they are accelerated): the same bytes read and written with no
/// conversion (a truncating narrow and a zero-extending widen, one instruction per vector), and
/// what a result body allocated on the heap costs before anything is encoded into it.
/// </summary>
internal static class MemoryBound
{
    // Keeps the last fresh body reachable so the allocation is not optimized away.
    private static byte[] s_last = [];

    /// <summary>The low 16 bits of every float's bits into <paramref name="destination"/> (2 bytes each).</summary>
    public static void Narrow(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var source = MemoryMarshal.Cast<float, uint>(values);
        var target = MemoryMarshal.Cast<byte, ushort>(destination);
        var i = 0;
        for (; i <= source.Length - (2 * Vector512<uint>.Count); i += 2 * Vector512<uint>.Count)
        {
            Vector512.Narrow(Vector512.Create(source.Slice(i, 16)), Vector512.Create(source.Slice(i + 16, 16))).CopyTo(target[i..]);
        }

        for (; i < source.Length; i++)
        {
            target[i] = (ushort)source[i];
        }
    }

    /// <summary>Every 16-bit value zero-extended into a float's bits.</summary>
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var halves = MemoryMarshal.Cast<byte, ushort>(source);
        var target = MemoryMarshal.Cast<float, uint>(destination);
        var i = 0;
        for (; i <= target.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
        {
            var (low, high) = Vector512.Widen(Vector512.Create(halves.Slice(i, 32)));
            low.CopyTo(target[i..]);
            high.CopyTo(target[(i + 16)..]);
        }

        for (; i < target.Length; i++)
        {
            target[i] = halves[i];
        }
    }

    /// <summary>The low byte of every float's bits.</summary>
    public static void NarrowToBytes(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var source = MemoryMarshal.Cast<float, uint>(values);
        var i = 0;
        for (; i <= source.Length - (4 * Vector512<uint>.Count); i += 4 * Vector512<uint>.Count)
        {
            var low = Vector512.Narrow(Vector512.Create(source.Slice(i, 16)), Vector512.Create(source.Slice(i + 16, 16)));
            var high = Vector512.Narrow(Vector512.Create(source.Slice(i + 32, 16)), Vector512.Create(source.Slice(i + 48, 16)));
            Vector512.Narrow(low, high).CopyTo(destination[i..]);
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (byte)source[i];
        }
    }

    /// <summary>Every byte zero-extended into a float's bits.</summary>
    public static void WidenBytes(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var target = MemoryMarshal.Cast<float, uint>(destination);
        var i = 0;
        for (; i <= target.Length - Vector512<byte>.Count; i += Vector512<byte>.Count)
        {
            var (low, high) = Vector512.Widen(Vector512.Create(source.Slice(i, 64)));
            var (a, b) = Vector512.Widen(low);
            var (c, d) = Vector512.Widen(high);
            a.CopyTo(target[i..]);
            b.CopyTo(target[(i + 16)..]);
            c.CopyTo(target[(i + 32)..]);
            d.CopyTo(target[(i + 48)..]);
        }

        for (; i < target.Length; i++)
        {
            target[i] = source[i];
        }
    }

    /// <summary>Allocates a body of <paramref name="length"/> bytes as the encoder does, and writes every byte once.</summary>
    public static void FreshBody(int length)
    {
        var body = GC.AllocateUninitializedArray<byte>(length);
        body.AsSpan().Fill(1);
        s_last = body;
    }
}
