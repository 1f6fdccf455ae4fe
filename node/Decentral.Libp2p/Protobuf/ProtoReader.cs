using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Protobuf;

/// <summary>Protobuf wire types this project reads and writes.</summary>
public enum WireType
{
    /// <summary>Varint.</summary>
    Varint = 0,

    /// <summary>64-bit fixed.</summary>
    Fixed64 = 1,

    /// <summary>Length-delimited (bytes, strings, messages).</summary>
    LengthDelimited = 2,

    /// <summary>32-bit fixed.</summary>
    Fixed32 = 5,
}

/// <summary>
/// A minimal forward-only protobuf reader over a span. Malformed input sets <see cref="Failed"/>
/// and stops iteration instead of throwing, because every protobuf here comes from a remote peer.
/// </summary>
public ref struct ProtoReader
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>Starts reading <paramref name="buffer"/>.</summary>
    public ProtoReader(ReadOnlySpan<byte> buffer)
    {
        _rest = buffer;
        Failed = false;
    }

    /// <summary>True when the input was malformed.</summary>
    public bool Failed { get; private set; }

    /// <summary>Reads the next field tag; false at the end or on malformed input.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        field = 0;
        wireType = WireType.Varint;
        if (_rest.IsEmpty || Failed)
        {
            return false;
        }

        if (!TryReadVarint(out var tag) || tag >> 3 == 0 || tag >> 3 > int.MaxValue)
        {
            return Fail();
        }

        field = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        return true;
    }

    /// <summary>Reads a varint value.</summary>
    public bool TryReadVarint(out ulong value)
    {
        if (Varint.TryRead(_rest, out value, out var n) != VarintStatus.Ok)
        {
            return Fail();
        }

        _rest = _rest[n..];
        return true;
    }

    /// <summary>Reads a length-delimited value (a slice of the input, not a copy).</summary>
    public bool TryReadBytes(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!TryReadVarint(out var length) || length > (ulong)_rest.Length)
        {
            return Fail();
        }

        value = _rest[..(int)length];
        _rest = _rest[(int)length..];
        return true;
    }

    /// <summary>Skips a value of the given wire type.</summary>
    public bool TrySkip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                return TryReadVarint(out _);
            case WireType.LengthDelimited:
                return TryReadBytes(out _);
            case WireType.Fixed64:
                return Advance(8);
            case WireType.Fixed32:
                return Advance(4);
            default:
                return Fail();
        }
    }

    private bool Advance(int count)
    {
        if (_rest.Length < count)
        {
            return Fail();
        }

        _rest = _rest[count..];
        return true;
    }

    private bool Fail()
    {
        Failed = true;
        _rest = default;
        return false;
    }
}
