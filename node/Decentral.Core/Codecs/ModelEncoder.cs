using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Decentral.Learning;
using Decentral.Wire;

namespace Decentral.Codecs;

/// <summary>
/// Encodes models for sending with one node's <see cref="ModelCodecOptions"/>: whole models
/// (aggregates) through the quantizer and the lossless stage; trained deltas also through top-k,
/// whose error feedback this instance keeps (one encoder per node, never shared). The lossless
/// stage is used per message only when it shrinks the body. Results are heap models of exact
/// size, which may be shared freely (the simulator hands one to every receiver of a message), or,
/// with pooled bodies, views of rented buffers that every holder releases (see
/// <see cref="EncodedModel.Share"/>); scratch buffers are rented either way. Pooled or not, the
/// same inputs give the same bytes. Not thread-safe.
/// </summary>
public sealed class ModelEncoder
{
    private readonly ModelCodecOptions _options;
    private readonly ModelEncoding _dense;
    private readonly ModelEncoding _sparse;
    private readonly LosslessCompression _lossless;
    private readonly BodyPool? _pool;
    private float[]? _residual;

    /// <summary>
    /// An encoder for <paramref name="options"/> (validated here). With
    /// <paramref name="pooledBodies"/> the bodies are rented from the shared array pools and come
    /// back when the last view of a model is released; for callers that release every model they
    /// get (a node whose driver releases what it sends), not for ones that keep models around.
    /// </summary>
    public ModelEncoder(ModelCodecOptions options, bool pooledBodies = false)
        : this(options, pooledBodies ? BodyPool.Shared : null)
    {
    }

    /// <summary>An encoder renting its bodies from <paramref name="pool"/> (null: heap bodies).</summary>
    internal ModelEncoder(ModelCodecOptions options, BodyPool? pool)
    {
        _pool = pool;
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid codec options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        (_dense, _sparse) = options.Quantizer switch
        {
            ModelCodecOptions.Fp16 => (ModelEncoding.Float16, ModelEncoding.SparseFloat16),
            ModelCodecOptions.Int8 => (ModelEncoding.Int8Block, ModelEncoding.SparseInt8Block),
            _ => (ModelEncoding.Float32, ModelEncoding.SparseFloat32),
        };
        _lossless = options.Lossless switch
        {
            ModelCodecOptions.Lz4 => LosslessCompression.Lz4,
            ModelCodecOptions.Zstd => LosslessCompression.Zstd,
            _ => LosslessCompression.None,
        };
    }

    /// <summary>The options this encoder follows.</summary>
    public ModelCodecOptions Options => _options;

    /// <summary>
    /// A whole model through the quantizer and lossless stage, without top-k or error feedback
    /// (the aggregate an aggregator sends). Plain fp32 wraps the model without copying.
    /// </summary>
    public EncodedModel EncodeWhole(ModelVector model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (_dense == ModelEncoding.Float32 && _lossless == LosslessCompression.None)
        {
            return _pool is null ? EncodedModel.Whole(model) : EncodedModel.PooledWhole(model);
        }

        return EncodeDense(model.LayoutId, model.SamplesTrained, model.Parameters, modelBase: null, wrap: model.Parameters);
    }

    /// <summary>
    /// The delta <paramref name="trained"/> minus <paramref name="start"/> (the model it was
    /// trained from, named <paramref name="modelBase"/>): through top-k with error feedback when
    /// set, then the quantizer and the lossless stage.
    /// </summary>
    public EncodedModel EncodeDelta(ModelVector trained, ReadOnlySpan<float> start, ModelBase modelBase)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (start.Length != trained.Length)
        {
            throw new ArgumentException($"The start model has {start.Length} parameters, the trained one {trained.Length}.", nameof(start));
        }

        if (!(_options.TopK > 0 && trained.Length > 0))
        {
            return EncodeDenseDelta(trained, start, modelBase);
        }

        var rented = ArrayPool<float>.Shared.Rent(trained.Length);
        try
        {
            var delta = rented.AsSpan(0, trained.Length);
            TensorPrimitives.Subtract(trained.Parameters, start, delta);
            return EncodeSparse(trained, delta, modelBase);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>What top-k has not sent yet (error feedback), empty before the first sparse delta.</summary>
    internal ReadOnlySpan<float> Residual => _residual;

    /// <summary>Forgets the error-feedback residual (e.g. after a restart).</summary>
    public void ResetErrorFeedback() => _residual = null;

    private EncodedModel EncodeDense(string layoutId, long samplesTrained, ReadOnlySpan<float> values, ModelBase? modelBase, float[]? wrap)
    {
        if (_dense == ModelEncoding.Float32)
        {
            var floats = wrap ?? values.ToArray();
            return Finish(layoutId, samplesTrained, values.Length, _dense, modelBase, floats, rentedFloats: false, null, values.Length * sizeof(float));
        }

        var length = ModelBodyLength(_dense, values.Length);
        var body = NewBody(length);
        WriteValues(_dense, values, body.AsSpan(0, length));
        return Finish(layoutId, samplesTrained, values.Length, _dense, modelBase, null, rentedFloats: false, body, length);
    }

    // A dense delta without a model-sized scratch, with the bytes of quantizing the whole
    // difference at once: the kernels subtract as they read (AVX-512), or go through a cache-sized
    // buffer of differences.
    private EncodedModel EncodeDenseDelta(ModelVector trained, ReadOnlySpan<float> start, ModelBase modelBase)
    {
        var length = trained.Length;
        if (_dense == ModelEncoding.Float32)
        {
            var floats = _pool?.RentFloats(length) ?? GC.AllocateUninitializedArray<float>(length);
            TensorPrimitives.Subtract(trained.Parameters, start, floats.AsSpan(0, length));
            return Finish(trained.LayoutId, trained.SamplesTrained, length, _dense, modelBase, floats, rentedFloats: _pool is not null, null, length * sizeof(float));
        }

        var bodyLength = ModelBodyLength(_dense, length);
        var body = NewBody(bodyLength);
        if (_dense == ModelEncoding.Float16)
        {
            Float16Values.EncodeDifference(trained.Parameters, start, body.AsSpan(0, bodyLength));
        }
        else
        {
            var blockSize = _options.BlockSize;
            var scaleBytes = Int8Blocks.ScaleCount(length, blockSize) * sizeof(float);
            BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)blockSize);
            Int8Blocks.EncodeDifference(trained.Parameters, start, blockSize, body.AsSpan(4, scaleBytes), body.AsSpan(4 + scaleBytes, length));
        }

        return Finish(trained.LayoutId, trained.SamplesTrained, length, _dense, modelBase, null, rentedFloats: false, body, bodyLength);
    }

    private EncodedModel EncodeSparse(ModelVector trained, Span<float> delta, ModelBase modelBase)
    {
        // Error feedback: what earlier rounds did not send joins this delta before selection.
        var length = trained.Length;
        if (_residual is { } residual && residual.Length == length)
        {
            TensorPrimitives.Add(delta, residual, delta);
        }
        else
        {
            _residual = residual = new float[length];
        }

        var k = _options.TopKCount(length);
        var indexBuffer = ArrayPool<int>.Shared.Rent(k);
        var valueBuffer = ArrayPool<float>.Shared.Rent(k);
        try
        {
            var indices = indexBuffer.AsSpan(0, k);
            var values = valueBuffer.AsSpan(0, k);
            TopKSelector.Select(delta, k, indices);
            for (var i = 0; i < k; i++)
            {
                values[i] = delta[indices[i]];
            }

            var gaps = SparseIndices.EncodedLength(indices);
            var bodyLength = ModelBodyLength(_sparse, k) + gaps;
            var array = NewBody(bodyLength);
            var body = array.AsSpan(0, bodyLength);
            BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)k);
            var valuesEnd = 4 + WriteValues(_sparse, values, body[4..]);
            SparseIndices.Write(indices, body[valuesEnd..]);

            // The residual is everything not delivered: the delta, less what the receiver decodes.
            delta.CopyTo(residual);
            if (!ModelBody.TryParse(_sparse, length, body, validate: false, out var sent, out _, out _))
            {
                throw new InvalidOperationException("An encoded sparse body does not parse.");
            }

            DecodeSent(_sparse, sent, values);
            for (var i = 0; i < k; i++)
            {
                residual[indices[i]] -= values[i];
            }

            return Finish(trained.LayoutId, trained.SamplesTrained, length, _sparse, modelBase, null, rentedFloats: false, array, bodyLength);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indexBuffer);
            ArrayPool<float>.Shared.Return(valueBuffer);
        }
    }

    // Uninitialized (every byte is written): exact on the heap, at least that long when rented.
    private byte[] NewBody(int length) => _pool?.RentBytes(length) ?? GC.AllocateUninitializedArray<byte>(length);

    // The lossless stage over the body (floats for Float32, else bytes), and the model: with a
    // pool, a pooled model whose last view gives the rented buffers back.
    private EncodedModel Finish(string layoutId, long samplesTrained, int length, ModelEncoding encoding, ModelBase? modelBase, float[]? floats, bool rentedFloats, byte[]? body, int bodyLength)
    {
        var plain = floats is not null ? MemoryMarshal.AsBytes(floats.AsSpan(0, length)) : body.AsSpan(0, bodyLength);
        var compressed = LosslessStage.Compress(_lossless, plain, _pool, out var compressedLength);
        var header = new ModelHeader(layoutId, samplesTrained, length, encoding, modelBase, bodyLength, _lossless, compressedLength);
        return _pool is { } pool
            ? EncodedModel.Pooled(header, pool, singleOwner: false, (floats, rentedFloats), (body, body is not null), (compressed, compressed is not null))
            : EncodedModel.OnHeap(header, floats, body, compressed);
    }

    // Bytes of the headers and `count` values of a body (a sparse body's gaps come on top).
    private int ModelBodyLength(ModelEncoding encoding, int count)
    {
        var header = (ModelBody.IsSparse(encoding) ? 4 : 0) + (ModelBody.IsInt8(encoding) ? 4 + (Int8Blocks.ScaleCount(count, _options.BlockSize) * sizeof(float)) : 0);
        return checked(header + (count * ModelBody.ValueBytes(encoding)));
    }

    // Writes the value section (int8: block size, scales, bytes); returns the bytes written.
    private int WriteValues(ModelEncoding encoding, ReadOnlySpan<float> values, Span<byte> destination)
    {
        switch (encoding)
        {
            case ModelEncoding.Float32 or ModelEncoding.SparseFloat32:
                FloatPayload.WriteLittleEndian(values, destination);
                return values.Length * sizeof(float);
            case ModelEncoding.Float16 or ModelEncoding.SparseFloat16:
                Float16Values.Encode(values, destination);
                return values.Length * 2;
            default:
                var blockSize = _options.BlockSize;
                var scaleBytes = Int8Blocks.ScaleCount(values.Length, blockSize) * sizeof(float);
                BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)blockSize);
                Int8Blocks.Encode(values, blockSize, destination.Slice(4, scaleBytes), destination.Slice(4 + scaleBytes, values.Length));
                return 4 + scaleBytes + values.Length;
        }
    }

    private static void DecodeSent(ModelEncoding encoding, ModelBody body, Span<float> values)
    {
        switch (encoding)
        {
            case ModelEncoding.SparseFloat32:
                FloatPayload.ReadLittleEndian(body.Values, values);
                break;
            case ModelEncoding.SparseFloat16:
                Float16Values.Decode(body.Values, values);
                break;
            default:
                Int8Blocks.Decode(body.Scales, body.Values, body.BlockSize, values);
                break;
        }
    }
}
