using System.Buffers;
using Decentral.Wire;

namespace Decentral.Fuzz.Targets;

/// <summary>
/// The MessagePack protocol messages, through the public <see cref="WireCodec"/> only, so the
/// harness keeps working when message kinds or payload codecs change. Seeds are files in the
/// corpus (tests/fuzz/corpus/wire), written by the codec.
/// </summary>
internal static class WireTarget
{
    private static readonly WireCodec Codec = new();

    public static FuzzTarget Wire { get; } = new("wire", "MessagePack protocol messages (WireCodec.Decode)", Run, () => []);

    /// <summary>A decoded message must encode to bytes that decode again and encode the same.</summary>
    private static void Run(byte[] input)
    {
        var decoded = Codec.Decode(input);
        if (decoded.Message is not { } message)
        {
            return;
        }

        var once = new ArrayBufferWriter<byte>();
        Codec.Encode(message, once);
        var again = Codec.Decode(once.WrittenMemory);
        if (again.Message is null)
        {
            throw new FuzzOracleException($"a decoded {message.Kind} re-encodes to bytes the codec rejects: {again}");
        }

        var twice = new ArrayBufferWriter<byte>();
        Codec.Encode(again.Message, twice);
        if (!twice.WrittenSpan.SequenceEqual(once.WrittenSpan))
        {
            throw new FuzzOracleException($"re-encoding a decoded {message.Kind} is not stable");
        }
    }
}
