using System.Buffers;
using System.Text;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Protobuf;

/// <summary>A minimal protobuf writer into an <see cref="IBufferWriter{T}"/>.</summary>
/// <param name="output">Where the encoded fields go.</param>
public readonly struct ProtoWriter(IBufferWriter<byte> output)
{
    /// <summary>Writes a varint field.</summary>
    public void WriteVarint(int field, ulong value)
    {
        WriteRawVarint(((ulong)field << 3) | (ulong)WireType.Varint);
        WriteRawVarint(value);
    }

    /// <summary>Writes a length-delimited field.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteRawVarint(((ulong)field << 3) | (ulong)WireType.LengthDelimited);
        WriteRawVarint((ulong)value.Length);
        output.Write(value);
    }

    /// <summary>Writes a UTF-8 string field.</summary>
    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    private void WriteRawVarint(ulong value)
    {
        var span = output.GetSpan(Varint.MaxLength);
        output.Advance(Varint.Write(value, span));
    }
}
