using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Decentral.Codecs;

/// <content>Where the AVX-512 kernels of <see cref="Int8Blocks"/> read their values.</content>
internal static partial class Int8Blocks
{
    // Where the AVX-512 kernels read a block's values: a span, or the differences of two (computed
    // lane by lane as they are read, the floats TensorPrimitives.Subtract would write). Structs,
    // so each kernel is compiled once per source with the loads inlined.
    private interface IBlockSource<TSelf>
        where TSelf : IBlockSource<TSelf>, allows ref struct
    {
        int Length { get; }

        float this[int index] { get; }

        Vector512<float> Load(int index);

        TSelf Slice(int start, int length);
    }

    private readonly ref struct Values(ReadOnlySpan<float> values) : IBlockSource<Values>
    {
        private readonly ReadOnlySpan<float> _values = values;

        public int Length => _values.Length;

        public float this[int index] => _values[index];

        public Vector512<float> Load(int index) => Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(_values), (nuint)index);

        public Values Slice(int start, int length) => new(_values.Slice(start, length));
    }

    private readonly ref struct Differences(ReadOnlySpan<float> minuend, ReadOnlySpan<float> subtrahend) : IBlockSource<Differences>
    {
        private readonly ReadOnlySpan<float> _minuend = minuend;
        private readonly ReadOnlySpan<float> _subtrahend = subtrahend;

        public int Length => _minuend.Length;

        public float this[int index] => _minuend[index] - _subtrahend[index];

        public Differences Slice(int start, int length) => new(_minuend.Slice(start, length), _subtrahend.Slice(start, length));

        public Vector512<float> Load(int index) =>
            Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(_minuend), (nuint)index) - Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(_subtrahend), (nuint)index);
    }
}
