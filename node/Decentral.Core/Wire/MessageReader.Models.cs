using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Decentral.Codecs;
using MessagePack;

namespace Decentral.Wire;

/// <content>
/// Models: the header is checked before anything is allocated (codec ids known, lengths within
/// the limits and consistent with the codec), the body is copied into rented buffers (floats for
/// float32, bytes otherwise), decompressed when it went through a lossless stage, and validated
/// in full. The model read is remembered until the message is complete, so that a later field
/// that fails gives its buffers back (<see cref="ReleaseModel"/>).
/// </content>
internal ref partial struct MessageReader
{
    /// <summary>Gives back the buffers of a model read by a message that then failed.</summary>
    public void ReleaseModel()
    {
        _model?.Release();
        _model = null;
    }

    private bool ReadModel(out EncodedModel model)
    {
        model = default;
        if (!ReadFields("model", WireSchema.ModelFields)
            || !ReadLayoutId(out var layoutId)
            || !ReadRange("samplesTrained", 0, long.MaxValue, DecodeError.InvalidValue, out var samplesTrained)
            || !ReadRange("length", 0, _limits.MaxModelParameters, DecodeError.LimitExceeded, out var length)
            || !ReadBase(out var modelBase)
            || !ReadRange("codec", 0, byte.MaxValue, DecodeError.UnknownCodec, out var codec)
            || !ReadRange("lossless", 0, byte.MaxValue, DecodeError.UnknownCodec, out var lossless))
        {
            return false;
        }

        var encoding = (ModelEncoding)codec;
        var compression = (LosslessCompression)lossless;
        if (!Enum.IsDefined(encoding))
        {
            return Fail(DecodeError.UnknownCodec, $"codec {codec} is not one this codec reads (1-6)");
        }

        if (!Enum.IsDefined(compression))
        {
            return Fail(DecodeError.UnknownCodec, $"lossless stage {lossless} is not one this codec reads (0-2)");
        }

        if (ModelBody.IsSparse(encoding) && modelBase is null)
        {
            return Fail(DecodeError.InvalidValue, $"a {EncodedModel.Name(encoding)} body carries only deltas, and this model has no base");
        }

        var maxBody = ModelBody.MaxBodyLength(encoding, (int)length);
        if (!ReadRange("bodyLength", 0, maxBody, DecodeError.WrongLength, out var bodyLength) || !Expect("body", MessagePackType.Binary))
        {
            return false;
        }

        if (encoding == ModelEncoding.Float32 && bodyLength != length * sizeof(float))
        {
            return Fail(DecodeError.WrongLength, $"fp32 body: {bodyLength} bytes for {length} parameters");
        }

        // ReadBytes slices the input (no copy) and fails if the declared length is not present.
        var wire = _reader.ReadBytes().GetValueOrDefault();
        if (compression == LosslessCompression.None ? wire.Length != bodyLength : wire.Length >= bodyLength)
        {
            return Fail(DecodeError.WrongLength, compression == LosslessCompression.None
                ? $"body: {wire.Length} bytes, declared {bodyLength}"
                : $"body: {wire.Length} compressed bytes for {bodyLength} (a lossless stage is only used when it shrinks the body)");
        }

        _model = model = Rent(layoutId, samplesTrained, (int)length, encoding, modelBase, (int)bodyLength, compression, wire);
        if (compression != LosslessCompression.None && !LosslessStage.TryDecompress(compression, model.WireBody, model.WritableBody))
        {
            return Fail(DecodeError.BadCompression, $"body: the {compression} frame is corrupt or does not decompress to {bodyLength} bytes");
        }

        return Validate(model);
    }

    private bool ReadBase(out ModelBase? modelBase)
    {
        modelBase = null;
        if (_reader.TryReadNil())
        {
            return true;
        }

        if (!ReadFields("base", WireSchema.BaseFields) || !ReadRound("base round", out var round) || !ReadHash(out var hash))
        {
            return false;
        }

        modelBase = new ModelBase(round, hash);
        return true;
    }

    private bool ReadHash(out ModelHash hash)
    {
        Span<byte> buffer = stackalloc byte[ModelHash.Length];
        var ok = ReadFixedBin("hash", buffer, DecodeError.WrongLength);
        hash = ok ? ModelHash.FromBytes(buffer) : default;
        return ok;
    }

    // Buffers from the shared pools; an uncompressed body is copied in here, a compressed one
    // is kept as it came (so the model can be forwarded byte for byte) and decompressed after.
    private static EncodedModel Rent(string layoutId, long samplesTrained, int length, ModelEncoding encoding, ModelBase? modelBase, int bodyLength, LosslessCompression compression, in ReadOnlySequence<byte> wire)
    {
        float[]? floats = null;
        byte[]? bytes = null;
        byte[]? compressed = null;
        if (encoding == ModelEncoding.Float32)
        {
            floats = length == 0 ? [] : ArrayPool<float>.Shared.Rent(length);
        }
        else
        {
            bytes = ArrayPool<byte>.Shared.Rent(bodyLength);
        }

        if (compression == LosslessCompression.None)
        {
            if (floats is not null)
            {
                FloatPayload.ReadLittleEndian(wire, floats.AsSpan(0, length));
            }
            else
            {
                wire.CopyTo(bytes);
            }
        }
        else
        {
            compressed = ArrayPool<byte>.Shared.Rent((int)wire.Length);
            wire.CopyTo(compressed);
        }

        var header = new ModelHeader(layoutId, samplesTrained, length, encoding, modelBase, bodyLength, compression, (int)wire.Length);
        return EncodedModel.Pooled(header, returnTo: null, singleOwner: true, (floats, floats is { Length: > 0 }), (bytes, bytes is not null), (compressed, compressed is not null));
    }

    private bool Validate(EncodedModel model)
    {
        if (model.Encoding == ModelEncoding.Float32)
        {
            var bad = FloatPayload.IndexOfNonFinite(model.Floats);
            return bad < 0 || Fail(DecodeError.NonFiniteWeight, $"parameter {bad} is {model.Floats[bad]}");
        }

        return ModelBody.TryParse(model.Encoding, model.Length, model.Body, validate: true, out _, out var error, out var detail) || Fail(error, detail);
    }
}
