using Decentral.Codecs;
using Decentral.Core.Tests.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Codecs;

public sealed class TopKSelectorTests
{
    public static Arbitrary<float[]> Values() =>
        Gen.Choose(1, 3000).SelectMany(n => Gen.Frequency(
            (3, WireGenerators.ModerateFloat),
            (1, Gen.Elements(0f, -0f, 1f, -1f, 0.5f)),
            (1, WireGenerators.FiniteFloat)).ArrayOf(n)).ToArbitrary();

    [Property(Arbitrary = [typeof(TopKSelectorTests)], MaxTest = 300)]
    public void Select_AnyK_GivesTheKLargestMagnitudesLowestIndexFirstAscending(float[] values, NonNegativeInt seed)
    {
        var k = seed.Get % (values.Length + 1);
        var indices = new int[k];

        TopKSelector.Select(values, k, indices);

        // Reference: sort by magnitude bits (the order of |x| for finite floats), ties by index.
        var expected = Enumerable.Range(0, values.Length)
            .OrderByDescending(i => BitConverter.SingleToInt32Bits(values[i]) & int.MaxValue)
            .ThenBy(i => i)
            .Take(k)
            .Order();
        Assert.Equal(expected, indices);
    }

    [Fact]
    public void Select_AllEqual_TakesTheFirstK()
    {
        var indices = new int[3];

        TopKSelector.Select([2f, -2f, 2f, 2f, -2f], 3, indices);

        Assert.Equal(new[] { 0, 1, 2 }, indices);
    }

    [Fact]
    public void Select_KOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TopKSelector.Select([1f], 2, new int[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopKSelector.Select([1f], -1, []));
    }

    [Property(MaxTest = 300)]
    public void Gaps_WriteThenRead_GiveTheIndices(NonNegativeInt[] raw, PositiveInt extra)
    {
        var indices = raw.Select(r => r.Get).Distinct().Order().ToArray();
        var length = (indices.Length == 0 ? 0 : indices[^1] + 1) + (extra.Get % 10);
        var bytes = new byte[SparseIndices.EncodedLength(indices)];
        Assert.Equal(bytes.Length, SparseIndices.Write(indices, bytes));

        var read = new int[indices.Length];
        Assert.Equal(SparseIndices.Problem.None, SparseIndices.TryRead(bytes, length, read, out _));
        Assert.Equal(indices, read);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0 }, 5, 2, (int)SparseIndices.Problem.Repeated)]
    [InlineData(new byte[] { 3, 3 }, 5, 2, (int)SparseIndices.Problem.OutOfRange)]
    [InlineData(new byte[] { 6 }, 5, 1, (int)SparseIndices.Problem.OutOfRange)]
    [InlineData(new byte[] { 0x81 }, 5, 1, (int)SparseIndices.Problem.Malformed)]
    [InlineData(new byte[] { 1, 1, 1 }, 5, 2, (int)SparseIndices.Problem.Malformed)]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x7f }, int.MaxValue, 1, (int)SparseIndices.Problem.Malformed)]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, int.MaxValue, 1, (int)SparseIndices.Problem.Malformed)]
    public void Gaps_Bad_AreRejectedWithTheirProblem(byte[] bytes, int length, int count, int problem)
    {
        Assert.Equal((SparseIndices.Problem)problem, SparseIndices.TryRead(bytes, length, new int[count], out _));
    }
}
