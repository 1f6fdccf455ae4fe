using System.Buffers;
using Decentral.Protocol;
using MessagePack;

namespace Decentral.Wire;

/// <summary>
/// The MessagePack wire codec, format version <see cref="FormatVersion"/> (layout in the
/// schema comment of <c>WireSchema</c>): an envelope [version, kind, body] whose structures are
/// arrays with fixed positions; models carry their codec id and body (float32, float16, int8
/// blocks, sparse deltas), optionally behind a lossless stage.
/// Encoding writes straight into the caller's <see cref="IBufferWriter{T}"/>, so with a pooled
/// writer (<see cref="PooledBufferWriter"/>) no byte array is allocated per message.
/// Decoding validates every field against <see cref="Limits"/>, and every model body in full
/// (codec ids, lengths, scales, indices, non-finite values after decoding); bad input yields a
/// <see cref="DecodeResult"/> with a reason and is never thrown past this class. A decoded model
/// lives in buffers rented from the shared array pools (no new array per message in steady
/// state): whoever gets the message owns them and releases them (<see cref="ProtocolMessage.Release"/>;
/// protocol nodes do it for every message handed to <c>Receive</c>).
/// Stateless apart from a small cache of repeated values (layout ids, empty view updates); safe
/// to share between threads.
/// </summary>
public sealed class WireCodec : IWireCodec
{
    /// <summary>The format version written into every envelope and the only one accepted.</summary>
    public const int FormatVersion = WireSchema.FormatVersion;

    private readonly DecodedValueCache _cache = new();

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

        var reader = new MessageReader(input, Limits, _cache);
        try
        {
            if (reader.TryRead(out var message))
            {
                return DecodeResult.Success(message);
            }

            reader.ReleaseModel();
            return DecodeResult.Failure(reader.Error, reader.Detail);
        }
        catch (EndOfStreamException ex)
        {
            // MessagePack's reader signals a header or value cut short this way.
            reader.ReleaseModel();
            return DecodeResult.Failure(DecodeError.Truncated, ex.Message);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // MessagePack's reader slices a bin or str whose declared length runs past the input
            // this way (found by fuzzing: a bin32 header claiming 3.9 GB escaped as an exception).
            reader.ReleaseModel();
            return DecodeResult.Failure(DecodeError.Truncated, ex.Message);
        }
        catch (MessagePackSerializationException ex)
        {
            reader.ReleaseModel();
            return DecodeResult.Failure(DecodeError.Malformed, ex.Message);
        }
        catch (OverflowException ex)
        {
            // An integer whose encoding is valid but does not fit the field (e.g. uint64 above long.MaxValue).
            reader.ReleaseModel();
            return DecodeResult.Failure(DecodeError.Malformed, ex.Message);
        }
    }

    /// <summary>Decodes and validates one whole message held in contiguous memory.</summary>
    public DecodeResult Decode(ReadOnlyMemory<byte> input) => Decode(new ReadOnlySequence<byte>(input));
}
