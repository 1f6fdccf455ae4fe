using System.Buffers;
using Decentral.Protocol;

namespace Decentral.Wire;

/// <summary>
/// Turns protocol messages into bytes and back. The seam between the protocol core and a
/// transport (the libp2p node) or a byte-counting network model (the simulator). Implementations
/// are thread-safe.
/// </summary>
public interface IWireCodec
{
    /// <summary>Appends the encoding of <paramref name="message"/> to <paramref name="output"/>.</summary>
    void Encode(ProtocolMessage message, IBufferWriter<byte> output);

    /// <summary>
    /// The exact number of bytes <see cref="Encode"/> writes for <paramref name="message"/>,
    /// computed without encoding (cost independent of the model size).
    /// </summary>
    long EncodedSize(ProtocolMessage message);

    /// <summary>Decodes and validates one whole message; never throws for bad input.</summary>
    DecodeResult Decode(in ReadOnlySequence<byte> input);
}
