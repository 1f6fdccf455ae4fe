using Decentral.Wire;

namespace Decentral.Core.Tests.Wire;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Write_BeyondInitialCapacity_KeepsEarlierBytes()
    {
        using var writer = new PooledBufferWriter(4);
        for (var i = 0; i < 10_000; i++)
        {
            var span = writer.GetSpan(1);
            span[0] = (byte)i;
            writer.Advance(1);
        }

        Assert.Equal(10_000, writer.WrittenCount);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal((byte)i, writer.WrittenSpan[i]);
        }
    }

    [Fact]
    public void Clear_KeepsBufferForReuse()
    {
        using var writer = new PooledBufferWriter(1024);
        writer.GetSpan(10);
        writer.Advance(10);
        var before = writer.GetMemory();

        writer.Clear();

        Assert.Equal(0, writer.WrittenCount);
        Assert.True(writer.GetMemory().Length > before.Length, "the whole buffer is free again");
    }

    [Fact]
    public void EnsureCapacity_ThenLargeWrite_DoesNotGrowAgain()
    {
        using var writer = new PooledBufferWriter();
        writer.EnsureCapacity(100_000);
        var span = writer.GetSpan();

        Assert.True(span.Length >= 100_000);
    }

    [Fact]
    public void Advance_PastBuffer_Throws()
    {
        using var writer = new PooledBufferWriter(16);
        var free = writer.GetSpan().Length;

        Assert.Throws<InvalidOperationException>(() => writer.Advance(free + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }

    [Fact]
    public void GetSpan_AfterDispose_Throws()
    {
        var writer = new PooledBufferWriter();
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan(1));
    }
}
