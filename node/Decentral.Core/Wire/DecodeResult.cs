using System.Diagnostics.CodeAnalysis;
using Decentral.Protocol;

namespace Decentral.Wire;

/// <summary>Why an incoming message was rejected. <see cref="None"/> means it was accepted.</summary>
public enum DecodeError : byte
{
    /// <summary>No error: the message decoded and passed validation.</summary>
    None = 0,

    /// <summary>The input is longer than <see cref="WireLimits.MaxMessageBytes"/>.</summary>
    TooLarge = 1,

    /// <summary>The input ends before the message does.</summary>
    Truncated = 2,

    /// <summary>A value has the wrong MessagePack type or is not valid MessagePack.</summary>
    Malformed = 3,

    /// <summary>The envelope's format version is not one this codec speaks.</summary>
    UnsupportedVersion = 4,

    /// <summary>The envelope's message kind is unknown.</summary>
    UnknownKind = 5,

    /// <summary>An array has a different number of fields than its schema.</summary>
    WrongFieldCount = 6,

    /// <summary>A count or length exceeds a <see cref="WireLimits"/> bound.</summary>
    LimitExceeded = 7,

    /// <summary>A peer id is not a 38-byte Ed25519 identity multihash.</summary>
    InvalidPeerId = 8,

    /// <summary>A model parameter is NaN or infinite.</summary>
    NonFiniteWeight = 9,

    /// <summary>A round number is negative or above <see cref="WireLimits.MaxRound"/>.</summary>
    InvalidRound = 10,

    /// <summary>Another field is out of its range (negative count, unknown status, bad byte length).</summary>
    InvalidValue = 11,

    /// <summary>The layout id is empty or not valid UTF-8.</summary>
    InvalidLayoutId = 12,

    /// <summary>Bytes follow the end of the message.</summary>
    TrailingBytes = 13,

    /// <summary>One view update lists the same peer twice.</summary>
    DuplicatePeer = 14,

    /// <summary>A model's codec or lossless-stage id is not one this codec knows.</summary>
    UnknownCodec = 15,

    /// <summary>A model body's length does not match its declared parameters, entries or body length.</summary>
    WrongLength = 16,

    /// <summary>An int8 block scale is NaN, infinite, zero or negative.</summary>
    InvalidScale = 17,

    /// <summary>A sparse body declares fewer than 1 or more entries than the model has parameters (k out of range).</summary>
    SparseCountOutOfRange = 18,

    /// <summary>A sparse body's index is beyond the model or repeats.</summary>
    InvalidIndex = 19,

    /// <summary>A lossless stage's frame is corrupt or does not decompress to the declared length.</summary>
    BadCompression = 20,
}

/// <summary>
/// The outcome of decoding one message: either <see cref="Message"/> (when <see cref="Ok"/>) or an
/// <see cref="Error"/> with a human-readable <see cref="Detail"/>. A rejected message is a value,
/// never an exception, so a receiver can count and log rejections without try/catch.
/// </summary>
public readonly struct DecodeResult
{
    private DecodeResult(ProtocolMessage? message, DecodeError error, string detail)
    {
        Message = message;
        Error = error;
        Detail = detail;
    }

    /// <summary>The decoded message; null when rejected.</summary>
    public ProtocolMessage? Message { get; }

    /// <summary>Why the message was rejected; <see cref="DecodeError.None"/> when accepted.</summary>
    public DecodeError Error { get; }

    /// <summary>Which field failed and how (empty when accepted).</summary>
    public string Detail { get; }

    /// <summary>True when the message decoded and passed validation.</summary>
    [MemberNotNullWhen(true, nameof(Message))]
    public bool Ok => Message is not null;

    /// <summary>An accepted message.</summary>
    public static DecodeResult Success(ProtocolMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new DecodeResult(message, DecodeError.None, string.Empty);
    }

    /// <summary>A rejection; <paramref name="error"/> must not be <see cref="DecodeError.None"/>.</summary>
    public static DecodeResult Failure(DecodeError error, string detail)
    {
        if (error == DecodeError.None)
        {
            throw new ArgumentException("A failure needs a reason.", nameof(error));
        }

        return new DecodeResult(null, error, detail);
    }

    /// <inheritdoc />
    public override string ToString() => Ok ? $"Ok({Message.Kind})" : $"{Error}: {Detail}";
}
