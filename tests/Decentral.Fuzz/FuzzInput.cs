namespace Decentral.Fuzz;

/// <summary>Takes parameters off the front of a fuzz input; past its end every read is zero.</summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _data = data;

    public readonly int Remaining => _data.Length;

    public byte Byte()
    {
        if (_data.IsEmpty)
        {
            return 0;
        }

        var b = _data[0];
        _data = _data[1..];
        return b;
    }

    public ushort UInt16() => (ushort)((Byte() << 8) | Byte());

    public ReadOnlySpan<byte> Take(int count)
    {
        var n = Math.Min(count, _data.Length);
        var taken = _data[..n];
        _data = _data[n..];
        return taken;
    }

    public readonly byte[] Rest() => _data.ToArray();
}
