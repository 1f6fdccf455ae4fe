using System.Buffers;
using System.Text;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Protobuf;

namespace Decentral.Libp2p.Gossip.Wire;

/// <summary>
/// Appends protobuf fields (like <see cref="ProtoWriter"/>, plus bare length prefixes) to an <see cref="IBufferWriter{T}"/>. Nested messages are written by
/// the caller after computing their size, so nothing is encoded twice.
/// </summary>
internal readonly struct SizedProtoWriter
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public SizedProtoWriter(IBufferWriter<byte> output) => _output = output;

    /// <summary>Size of a length-delimited field with a body of <paramref name="length"/> bytes.</summary>
    public static int FieldSize(int field, int length) => TagSize(field) + Varint.SizeOf((ulong)length) + length;

    /// <summary>Size of a varint field.</summary>
    public static int VarintFieldSize(int field, ulong value) => TagSize(field) + Varint.SizeOf(value);

    /// <summary>Size of a UTF-8 string field.</summary>
    public static int StringFieldSize(int field, string value) => FieldSize(field, Encoding.UTF8.GetByteCount(value));

    /// <summary>Writes a varint field.</summary>
    public void WriteVarintField(int field, ulong value)
    {
        WriteVarint(((ulong)field << 3) | (ulong)WireType.Varint);
        WriteVarint(value);
    }

    /// <summary>Writes a bytes field.</summary>
    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteLengthPrefix(field, value.Length);
        var span = _output.GetSpan(value.Length);
        value.CopyTo(span);
        _output.Advance(value.Length);
    }

    /// <summary>Writes a UTF-8 string field.</summary>
    public void WriteStringField(int field, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteLengthPrefix(field, length);
        var span = _output.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        _output.Advance(length);
    }

    /// <summary>Writes the key and length of a length-delimited field; the body follows.</summary>
    public void WriteLengthPrefix(int field, int length)
    {
        WriteVarint(((ulong)field << 3) | (ulong)WireType.LengthDelimited);
        WriteVarint((ulong)length);
    }

    private static int TagSize(int field) => Varint.SizeOf((ulong)field << 3);

    private void WriteVarint(ulong value)
    {
        var span = _output.GetSpan(Varint.MaxLength);
        _output.Advance(Varint.Write(value, span));
    }
}
