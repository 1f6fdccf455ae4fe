using System.Buffers;
using MessagePack;

namespace Decentral.Core.Tests.Wire;

/// <summary>Writes arbitrary MessagePack by hand, to craft messages the real encoder never produces.</summary>
public static class RawMessage
{
    /// <summary>Writes part of a message.</summary>
    public delegate void Part(ref MessagePackWriter writer);

    /// <summary>The bytes written by <paramref name="parts"/>, in order.</summary>
    public static byte[] Build(params Part[] parts)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        foreach (var part in parts)
        {
            part(ref writer);
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>An envelope [version, kind, body...] with the given body parts.</summary>
    public static byte[] Envelope(int version, int kind, params Part[] body) =>
        Build([(ref MessagePackWriter w) => { w.WriteArrayHeader(3); w.Write(version); w.Write(kind); }, .. body]);

    /// <summary>An array header.</summary>
    public static Part Array(int count) => (ref MessagePackWriter w) => w.WriteArrayHeader(count);

    /// <summary>An integer.</summary>
    public static Part Int(long value) => (ref MessagePackWriter w) => w.Write(value);

    /// <summary>An unsigned integer.</summary>
    public static Part UInt(ulong value) => (ref MessagePackWriter w) => w.Write(value);

    /// <summary>Nil.</summary>
    public static Part Nil() => (ref MessagePackWriter w) => w.WriteNil();

    /// <summary>A boolean.</summary>
    public static Part Bool(bool value) => (ref MessagePackWriter w) => w.Write(value);

    /// <summary>A bin.</summary>
    public static Part Bin(byte[] value) => (ref MessagePackWriter w) => w.Write(value.AsSpan());

    /// <summary>A str with raw (possibly invalid) UTF-8 bytes.</summary>
    public static Part Str(byte[] utf8) => (ref MessagePackWriter w) => w.WriteString(utf8.AsSpan());

    /// <summary>
    /// A model's fields in the format-2 layout: [layoutId, samplesTrained, length, base, codec,
    /// lossless, bodyLength, body]; <paramref name="body"/> writes the last field (a bin, or a lying header).
    /// </summary>
    public static Part[] Model(byte[] layoutId, long length, long codec, long lossless, long bodyLength, Part body, Part? modelBase = null) =>
        [Array(8), Str(layoutId), Int(0), Int(length), modelBase ?? Nil(), Int(codec), Int(lossless), Int(bodyLength), body];

    /// <summary>Raw bytes, e.g. a header whose length field lies.</summary>
    public static Part Raw(params byte[] bytes) => (ref MessagePackWriter w) => w.WriteRaw(bytes);
}
