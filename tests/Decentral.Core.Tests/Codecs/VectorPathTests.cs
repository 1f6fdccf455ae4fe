using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Decentral.Codecs;

namespace Decentral.Core.Tests.Codecs;

/// <summary>
/// Every vector path of the codec kernels this machine supports (AVX-512, AVX2, portable 256-bit)
/// and, for fp16, the conversion instructions (<see cref="Float16Instructions"/>) against the scalar definition, bit for bit, on random inputs full of edge values and on
/// lengths that are not multiples of any vector width.
/// </summary>
public sealed class VectorPathTests
{
    // Halves' edges as floats: half max and the rounding edge above it, the smallest normal half
    // and its neighbours, subnormal halves and the ties between them, normal ties, float subnormals.
    private static readonly float[] Edges =
    [
        0f, 65_504f, 65_505f, 65_519.99f, 65_520f, 65_536f, 1e6f, float.MaxValue, float.PositiveInfinity, float.NaN,
        6.103515625e-5f, MathF.BitIncrement(6.103515625e-5f), MathF.BitDecrement(6.103515625e-5f),
        5.9604645e-8f, 2.9802322e-8f, MathF.BitIncrement(2.9802322e-8f), MathF.BitDecrement(2.9802322e-8f),
        1.5f * 5.9604645e-8f, 2.5f * 5.9604645e-8f, 1023.5f * 5.9604645e-8f,
        1f + (1f / 2048), 1f + (3f / 2048), 2048f + 1f, 2048f + 3f,
        float.Epsilon, 1e-40f, 1.17549435e-38f,
    ];

    // By name: the enum is internal to the core, and the names read well in the test list.
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string>();
        foreach (var path in Enum.GetValues<VectorPath>().Where(VectorPaths.IsSupported))
        {
            data.Add(path.ToString());
        }

        return data;
    }

    // The fp16 kernels' paths, and the conversion instructions where this machine has them.
    public static TheoryData<string> Fp16Paths()
    {
        var data = Paths();
        if (Float16Instructions.IsAvailable)
        {
            data.Add(Instructions);
        }

        return data;
    }

    // The name of the conversion instructions among the fp16 paths (the public entry points, which use them here).
    private const string Instructions = "Instructions";

    [Fact]
    public void Float16Instructions_LibraryBuiltNextToTheCore_LoadedOnAnAvx512Machine()
    {
        // The build makes the library on Linux x64 wherever cc is on the PATH; where it was made and
        // the CPU has AVX-512, the instructions must be in use, or fp16 silently runs at half speed.
        var library = Path.Combine(AppContext.BaseDirectory, Float16Instructions.LibraryName);
        var compiler = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "cc")));
        if (OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64 && compiler)
        {
            Assert.True(File.Exists(library), $"{library} was not built.");
        }

        if (File.Exists(library) && VectorPaths.Best == VectorPath.Avx512)
        {
            Assert.True(Float16Instructions.IsAvailable);
        }
    }

    [Fact]
    public void Best_ThisMachine_IsSupported()
    {
        Assert.True(VectorPaths.IsSupported(VectorPaths.Best));
    }

    [Theory]
    [MemberData(nameof(Fp16Paths))]
    public void Fp16Encode_RandomValuesWithEdges_SameBitsAsScalarDefinition(string path)
    {
        var random = new Random(16);
        foreach (var length in Lengths(random))
        {
            var values = RandomFloats(random, length);
            var bytes = new byte[length * 2];

            Fp16Encode(values, bytes, path);

            var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
            for (var i = 0; i < length; i++)
            {
                if (halves[i] != Float16Values.ToHalf(values[i]))
                {
                    Assert.Fail($"{path}, length {length}, value {i} = {values[i]:R}: expected {Float16Values.ToHalf(values[i]):x4}, got {halves[i]:x4}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fp16Paths))]
    public void Fp16EncodeDifference_RandomValuesWithEdges_SameBitsAsEncodingTheDifferences(string path)
    {
        var random = new Random(17);
        foreach (var length in Lengths(random))
        {
            AssertFp16DifferenceAsScalar(RandomFloats(random, length), RandomFloats(random, length), path);
        }
    }

    [Theory]
    [MemberData(nameof(Fp16Paths))]
    public void Fp16Encode_MostlyWithinTheHalfRange_SameBitsAsScalarDefinition(string path)
    {
        // The AVX-512 path converts 32 values at a time only when all are below 65520 and hands the
        // others to the saturating kernel; the instructions replace a NaN lane after clamping: a
        // model's values, with now and then one that is not.
        var random = new Random(19);
        foreach (var length in Lengths(random))
        {
            var values = MostlyInRange(random, length);
            var (expected, actual) = (new byte[length * 2], new byte[length * 2]);
            Float16Values.Encode(values, expected, VectorPath.Scalar);

            Fp16Encode(values, actual, path);

            Assert.Equal(expected, actual);
            AssertFp16DifferenceAsScalar(MostlyInRange(random, length), values, path);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Int8EncodeDifference_RandomBlocksWithEdges_SameBytesAsEncodingTheDifferences(string pathName)
    {
        var path = Enum.Parse<VectorPath>(pathName);
        var random = new Random(18);
        foreach (var blockSize in new[] { 1, 7, 64, 256 })
        {
            foreach (var length in Lengths(random))
            {
                var minuend = RandomFloats(random, length);
                var subtrahend = RandomFloats(random, length);
                var differences = new float[length];
                TensorPrimitives.Subtract(minuend, subtrahend, differences);
                var scaleBytes = Int8Blocks.ScaleCount(length, blockSize) * sizeof(float);
                var (expectedScales, expected) = (new byte[scaleBytes], new byte[length]);
                Int8Blocks.Encode(differences, blockSize, expectedScales, expected, VectorPath.Scalar);
                var (scales, actual) = (new byte[scaleBytes], new byte[length]);

                Int8Blocks.EncodeDifference(minuend, subtrahend, blockSize, scales, actual, path);

                Assert.Equal(expectedScales, scales);
                Assert.Equal(expected, actual);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fp16Paths))]
    public void Fp16Decode_EveryHalfPatternAtEveryAlignment_SameBitsAsTensorPrimitives(string path)
    {
        var halves = Enumerable.Range(0, 65_536 + 31).Select(i => (ushort)(i % 65_536)).ToArray();
        for (var offset = 0; offset < 3; offset++)
        {
            var source = halves.AsSpan(offset);
            var expected = new float[source.Length];
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(source), expected);
            var actual = new float[source.Length];

            Fp16Decode(MemoryMarshal.AsBytes(source), actual, path);

            Assert.Equal(MemoryMarshal.Cast<float, uint>(expected.AsSpan()).ToArray(), MemoryMarshal.Cast<float, uint>(actual.AsSpan()).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Int8_RandomBlocksWithEdges_SameBytesAndValuesAsScalar(string pathName)
    {
        var path = Enum.Parse<VectorPath>(pathName);
        var random = new Random(8);
        foreach (var length in Lengths(random))
        {
            var blockSize = 1 + random.Next(300);
            var values = RandomFloats(random, length);
            var scaleBytes = Int8Blocks.ScaleCount(length, blockSize) * sizeof(float);
            var (expectedScales, expectedBytes) = (new byte[scaleBytes], new byte[length]);
            var (scales, bytes) = (new byte[scaleBytes], new byte[length]);

            Int8Blocks.Encode(values, blockSize, expectedScales, expectedBytes, VectorPath.Scalar);
            Int8Blocks.Encode(values, blockSize, scales, bytes, path);

            Assert.Equal(expectedScales, scales);
            Assert.Equal(expectedBytes, bytes);
            var expected = new float[length];
            var actual = new float[length];
            Int8Blocks.Decode(expectedScales, expectedBytes, blockSize, expected, VectorPath.Scalar);
            Int8Blocks.Decode(scales, bytes, blockSize, actual, path);
            Assert.Equal(MemoryMarshal.Cast<float, uint>(expected.AsSpan()).ToArray(), MemoryMarshal.Cast<float, uint>(actual.AsSpan()).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Int8Encode_BlocksWithNaNOrInfinity_ZerosWithScaleOneOrInfinite(string pathName)
    {
        var path = Enum.Parse<VectorPath>(pathName);
        var values = Enumerable.Range(0, 96).Select(i => (i % 7) - 3f).ToArray();
        values[5] = float.NaN;
        values[40] = float.NegativeInfinity;
        var scales = new byte[3 * sizeof(float)];
        var bytes = new byte[values.Length];

        Int8Blocks.Encode(values, 32, scales, bytes, path);

        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(scales));
        Assert.Equal(float.PositiveInfinity, BinaryPrimitives.ReadSingleLittleEndian(scales.AsSpan(4)));
        Assert.Equal(3f / 127f, BinaryPrimitives.ReadSingleLittleEndian(scales.AsSpan(8)));
        Assert.All(bytes[..64], b => Assert.Equal(0, b));
        Assert.Equal(127, (sbyte)bytes[69]); // 69 % 7 - 3 = 3, the block's largest
    }

    private static IEnumerable<int> Lengths(Random random) =>
        Enumerable.Range(0, 70).Concat([255, 256, 257, 511, 1000, 4099]).Concat(Enumerable.Range(0, 30).Select(_ => random.Next(70, 3000)));

    private static void Fp16Encode(ReadOnlySpan<float> values, Span<byte> destination, string path)
    {
        if (path == Instructions)
        {
            Float16Values.Encode(values, destination);
        }
        else
        {
            Float16Values.Encode(values, destination, Enum.Parse<VectorPath>(path));
        }
    }

    private static void Fp16Decode(ReadOnlySpan<byte> source, Span<float> destination, string path)
    {
        if (path == Instructions)
        {
            Float16Values.Decode(source, destination);
        }
        else
        {
            Float16Values.Decode(source, destination, Enum.Parse<VectorPath>(path));
        }
    }

    // EncodeDifference on the path writes the scalar encoding of the float differences.
    private static void AssertFp16DifferenceAsScalar(float[] minuend, float[] subtrahend, string path)
    {
        var differences = new float[minuend.Length];
        TensorPrimitives.Subtract(minuend, subtrahend, differences);
        var expected = new byte[minuend.Length * 2];
        Float16Values.Encode(differences, expected, VectorPath.Scalar);
        var actual = new byte[minuend.Length * 2];

        if (path == Instructions)
        {
            Float16Values.EncodeDifference(minuend, subtrahend, actual);
        }
        else
        {
            Float16Values.EncodeDifference(minuend, subtrahend, actual, Enum.Parse<VectorPath>(path));
        }

        Assert.Equal(expected, actual);
    }

    // Floats below 32768 in magnitude (float subnormals included) and the edges within the half
    // range, with one of the edges beyond it (65520 and up, infinity, NaN) one time in 200.
    private static float[] MostlyInRange(Random random, int length)
    {
        var inRange = Edges.Where(e => Math.Abs(e) < 65_520f).ToArray();
        var beyond = Edges.Where(e => !(Math.Abs(e) < 65_520f)).ToArray();
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            var value = random.Next(200) == 0 ? beyond[random.Next(beyond.Length)]
                : random.Next(8) == 0 ? inRange[random.Next(inRange.Length)]
                : BitConverter.Int32BitsToSingle((random.Next(0, 142) << 23) | random.Next(1 << 23));
            values[i] = random.Next(2) == 0 ? value : -value;
        }

        return values;
    }

    // Edges (either sign) a third of the time, else a float of random sign, mantissa and an
    // exponent anywhere from float subnormal to far beyond the half range.
    private static float[] RandomFloats(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            var value = random.Next(3) == 0
                ? Edges[random.Next(Edges.Length)]
                : BitConverter.Int32BitsToSingle((random.Next(70, 150) << 23) | random.Next(1 << 23));
            values[i] = random.Next(2) == 0 ? value : -value;
        }

        return values;
    }
}
