using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Decentral.Codecs;
using Decentral.Core.Tests.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Codecs;

public sealed class KernelTests
{
    [Fact]
    public void Decode_EveryHalfBitPattern_SameBitsAsTensorPrimitives()
    {
        // All 65536 patterns: zeros, subnormals, normals, infinities and NaNs of both signs, plus a tail of 5.
        var halves = Enumerable.Range(0, 65_536 + 5).Select(i => (ushort)(i % 65_536)).ToArray();
        var expected = new float[halves.Length];
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(halves.AsSpan()), expected);

        var actual = new float[halves.Length];
        Float16Values.Decode(MemoryMarshal.AsBytes(halves.AsSpan()), actual);

        Assert.Equal(MemoryMarshal.Cast<float, uint>(expected.AsSpan()).ToArray(), MemoryMarshal.Cast<float, uint>(actual.AsSpan()).ToArray());
    }

    [Fact]
    public void Encode_FloatsAcrossEveryHalfRange_SameBitsAsCastToHalfOrSaturated()
    {
        // Every 2^11-th float bit pattern of both signs (so every half exponent, the subnormal
        // range, ties and the rounding edges near 65504), plus the edges themselves.
        var floats = Enumerable.Range(0, 1 << 21).Select(i => BitConverter.Int32BitsToSingle(i << 11))
            .Concat([65_504f, 65_519.99f, 65_520f, 1e6f, float.PositiveInfinity, 6.1e-5f, 5.96e-8f, 2.98e-8f, 2.99e-8f, 0f, -0f])
            .SelectMany(f => new[] { f, -f })
            .ToArray();
        var bytes = new byte[floats.Length * 2];

        Float16Values.Encode(floats, bytes);

        var actual = MemoryMarshal.Cast<byte, ushort>(bytes);
        for (var i = 0; i < floats.Length; i++)
        {
            var f = floats[i];
            if (float.IsNaN(f))
            {
                Assert.True((actual[i] & 0x7C00) == 0x7C00 && (actual[i] & 0x3FF) != 0);
                continue;
            }

            var expected = Math.Abs(f) >= 65_520f ? (ushort)((f < 0 ? 0x8000 : 0) | 0x7BFF) : BitConverter.HalfToUInt16Bits((Half)f);
            if (expected != actual[i])
            {
                Assert.Fail($"{f:R}: expected {expected:x4}, got {actual[i]:x4}");
            }
        }
    }

    public static Arbitrary<float[]> Values() =>
        Gen.Choose(0, 700).SelectMany(n => WireGenerators.ModerateFloat.ArrayOf(n)).ToArbitrary();

    [Property(Arbitrary = [typeof(KernelTests)], MaxTest = 300)]
    public void Int8Encode_VectorPaths_SameBytesAsTheScalarDefinition(float[] values, PositiveInt block)
    {
        var blockSize = 1 + (block.Get % 300);
        var scales = new byte[Int8Blocks.ScaleCount(values.Length, blockSize) * 4];
        var quantized = new byte[values.Length];

        Int8Blocks.Encode(values, blockSize, scales, quantized);

        for (var start = 0; start < values.Length; start += blockSize)
        {
            var chunk = values.AsSpan(start, Math.Min(blockSize, values.Length - start));
            var max = 0f;
            foreach (var v in chunk)
            {
                max = MathF.Max(max, MathF.Abs(v));
            }

            var scale = max / 127f;
            var zero = !(scale >= 1.17549435e-38f);
            Assert.Equal(zero ? 1f : scale, BinaryPrimitives.ReadSingleLittleEndian(scales.AsSpan(start / blockSize * 4)));
            for (var i = 0; i < chunk.Length; i++)
            {
                var q = zero ? 0 : Math.Clamp((int)MathF.Round(chunk[i] * (1f / scale)), -127, 127);
                Assert.Equal((sbyte)q, (sbyte)quantized[start + i]);
            }
        }
    }
}
