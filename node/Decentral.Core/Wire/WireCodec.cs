using System.Buffers;
using Decentral.Protocol;
using MessagePack;

namespace Decentral.Wire;

/// <summary>
/// The MessagePack wire codec, format version <see cref="FormatVersion"/> (layout in the
/// schema comment of <c>WireSchema</c>): an envelope [version, kind, body] whose structures are
/// arrays with fixed positions, models as a bin of little-endian float32.
/// Encoding writes straight into the caller's <see cref="IBufferWriter{T}"/>, so with a pooled
/// writer (<see cref="PooledBufferWriter"/>) no byte array is allocated per message.
/// Decoding validates every field against <see cref="Limits"/>; bad input yields a
/// <see cref="DecodeResult"/> with a reason and is never thrown past this class.
/// Stateless apart from a small layout-id cache; safe to share between threads.
/// </summary>
public sealed class WireCodec : IWireCodec
{
    /// <summary>The format version written into every envelope and the only one accepted.</summary>
    public const int FormatVersion = WireSchema.FormatVersion;

    private readonly LayoutIdCache _layoutIds = new();

    /// <summary>A codec enforcing <paramref name="limits"/> (validated here; defaults when null).</summary>
    public WireCodec(WireLimits? limits = null)
    {
        Limits = (limits ?? WireLimits.Default).EnsureValid();
    }

    /// <summary>The bounds every decoded message is checked against.</summary>
    public WireLimits Limits { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The message has no wire layout or its layout id is not valid UTF-16 (caller bugs).</exception>
    public void Encode(ProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        var writer = new MessagePackWriter(output);
        MessageWriter.Write(ref writer, message);
        writer.Flush();
    }

    /// <inheritdoc />
    public long EncodedSize(ProtocolMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MessageWriter.Size(message);
    }

    /// <inheritdoc />
    public DecodeResult Decode(in ReadOnlySequence<byte> input)
    {
        if (input.Length > Limits.MaxMessageBytes)
        {
            return DecodeResult.Failure(DecodeError.TooLarge, $"{input.Length} bytes exceeds the limit of {Limits.MaxMessageBytes}");
        }

        try
        {
            var reader = new MessageReader(input, Limits, _layoutIds);
            return reader.TryRead(out var message) ? DecodeResult.Success(message) : DecodeResult.Failure(reader.Error, reader.Detail);
        }
        catch (EndOfStreamException ex)
        {
            // MessagePack's reader signals a header or value cut short this way.
            return DecodeResult.Failure(DecodeError.Truncated, ex.Message);
        }
        catch (MessagePackSerializationException ex)
        {
            return DecodeResult.Failure(DecodeError.Malformed, ex.Message);
        }
        catch (OverflowException ex)
        {
            // An integer whose encoding is valid but does not fit the field (e.g. uint64 above long.MaxValue).
            return DecodeResult.Failure(DecodeError.Malformed, ex.Message);
        }
    }

    /// <summary>Decodes and validates one whole message held in contiguous memory.</summary>
    public DecodeResult Decode(ReadOnlyMemory<byte> input) => Decode(new ReadOnlySequence<byte>(input));
}
