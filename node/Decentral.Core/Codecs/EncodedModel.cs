using System.Buffers;
using System.Runtime.InteropServices;
using Decentral.Learning;

namespace Decentral.Codecs;

/// <summary>
/// A model or a delta as it travels: the layout, the encoding (codec id), what it is a delta of
/// (<see cref="Base"/>, null for a whole model), and the encoded body, optionally behind a
/// lossless stage. Immutable. Sizes are known without encoding, so the simulator counts exact
/// bytes while sharing one instance between receivers.
/// </summary>
/// <remarks>
/// <para>Ownership. Instances made by the protocol (<see cref="Whole(ModelVector)"/>,
/// <see cref="ModelEncoder"/>) live on the heap and may be shared freely. Instances made by
/// <c>WireCodec.Decode</c> hold buffers rented from the shared array pools (<see cref="IsPooled"/>):
/// the receiver of the decoded message owns them and calls <see cref="Release"/> (or
/// <c>ProtocolMessage.Release</c>) once, when it no longer reads the model. <c>ModestNode</c>
/// and the baselines do this for every message handed to <c>Receive</c>, so a driver that gives
/// each decoded message to the core and forgets it is correct; a driver that drops a message
/// without giving it to the core releases it itself. Reading a released model throws
/// <see cref="ObjectDisposedException"/>; releasing twice, or releasing a heap model, does nothing.</para>
/// <para>A node whose driver releases what it sends (<c>IProtocolEffects.ReleasesSentModels</c>)
/// encodes into rented bodies too (<see cref="ModelEncoder"/> with pooled bodies). Such a model has
/// several holders (the trainer's send, each message, a retry), so each holds a view of its own,
/// made with <see cref="Share"/>, and releases that view once; the body goes back to its pool with
/// the last view. A holder that never releases only costs the pool a body (the garbage collector
/// takes it); one that reads a view after releasing it gets <see cref="ObjectDisposedException"/>.</para>
/// <para>Decoding a heap model caches the result (<see cref="DecodeWhole"/>), so the receivers of
/// one shared aggregate decode it once; the views of one pooled body share that cache too.</para>
/// </remarks>
public sealed class EncodedModel
{
    // Float32 bodies are held as floats (no conversion to read them); every other body as bytes.
    private float[]? _floats;
    private byte[]? _bytes;
    private byte[]? _compressed;
    private int _released;
    private ModelVector? _decoded;
    private ModelHash? _hash;

    // Set for the views of a body a pooled encoder rented (null for heap and decoded models).
    private readonly BodyLease? _lease;

    internal EncodedModel(string layoutId, long samplesTrained, int length, ModelEncoding encoding, ModelBase? modelBase, float[]? floats, byte[]? bytes, int bodyLength, LosslessCompression compression, byte[]? compressed, int compressedLength, bool pooled, BodyLease? lease = null)
    {
        LayoutId = layoutId;
        SamplesTrained = samplesTrained;
        Length = length;
        Encoding = encoding;
        Base = modelBase;
        _floats = floats;
        _bytes = bytes;
        BodyLength = bodyLength;
        Compression = compressed is null ? LosslessCompression.None : compression;
        _compressed = compressed;
        WireBodyLength = compressed is null ? bodyLength : compressedLength;
        IsPooled = pooled || lease is not null;
        _lease = lease;
    }

    /// <summary>The layout (architecture and parameter order) the model belongs to.</summary>
    public string LayoutId { get; }

    /// <summary>Samples the model has seen in total (age-weighted baselines use it).</summary>
    public long SamplesTrained { get; }

    /// <summary>Parameters of the model (a delta has as many as its base).</summary>
    public int Length { get; }

    /// <summary>The body's encoding (the codec id on the wire).</summary>
    public ModelEncoding Encoding { get; }

    /// <summary>The lossless stage the body travels through (None when it would not have shrunk it).</summary>
    public LosslessCompression Compression { get; }

    /// <summary>The model this is a delta of, or null for a whole model.</summary>
    public ModelBase? Base { get; }

    /// <summary>True for a delta (<see cref="Base"/> is set).</summary>
    public bool IsDelta => Base is not null;

    /// <summary>True when the buffers are rented and must be given back with <see cref="Release"/>.</summary>
    public bool IsPooled { get; }

    /// <summary>True once <see cref="Release"/> was called on a pooled model.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Bytes of the encoded body before the lossless stage.</summary>
    public int BodyLength { get; }

    /// <summary>Bytes of the body on the wire (after the lossless stage, if any).</summary>
    public int WireBodyLength { get; }

    /// <summary>A short name of the encoding for reports: "fp32", "int8", "topk-fp16", "int8+zstd".</summary>
    public string CodecName => Name(Encoding) + Compression switch
    {
        LosslessCompression.Lz4 => "+lz4",
        LosslessCompression.Zstd => "+zstd",
        _ => "",
    };

    /// <summary>The Float32 body's values (only for <see cref="ModelEncoding.Float32"/>).</summary>
    internal ReadOnlySpan<float> Floats => Encoding == ModelEncoding.Float32
        ? Alive(_floats).AsSpan(0, Length)
        : throw new InvalidOperationException($"A {Encoding} body has no float32 values.");

    /// <summary>The Float32 body's values as memory (only for <see cref="ModelEncoding.Float32"/>).</summary>
    internal ReadOnlyMemory<float> FloatMemory => Encoding == ModelEncoding.Float32
        ? Alive(_floats).AsMemory(0, Length)
        : throw new InvalidOperationException($"A {Encoding} body has no float32 values.");

    /// <summary>The encoded body (before the lossless stage), little-endian.</summary>
    internal ReadOnlySpan<byte> Body => _floats is not null || Encoding == ModelEncoding.Float32
        ? MemoryMarshal.AsBytes(Floats)
        : Alive(_bytes).AsSpan(0, BodyLength);

    /// <summary>The rented body, for the wire decoder to decompress into before the model is handed out.</summary>
    internal Span<byte> WritableBody => _floats is not null
        ? MemoryMarshal.AsBytes(Alive(_floats).AsSpan(0, Length))
        : Alive(_bytes).AsSpan(0, BodyLength);

    /// <summary>The body as it goes on the wire: compressed when <see cref="Compression"/> is set.</summary>
    internal ReadOnlySpan<byte> WireBody => Compression == LosslessCompression.None ? Body : Alive(_compressed).AsSpan(0, WireBodyLength);

    /// <summary>
    /// A whole float32 model wrapping <paramref name="model"/>'s parameters without copying them
    /// (the model is immutable, so the wrapper may be shared).
    /// </summary>
    public static EncodedModel Whole(ModelVector model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Length > int.MaxValue / sizeof(float))
        {
            throw new ArgumentException($"A model of {model.Length} parameters does not fit one MessagePack bin.", nameof(model));
        }

        return new EncodedModel(model.LayoutId, model.SamplesTrained, model.Length, ModelEncoding.Float32, null, model.Parameters, null, model.Length * sizeof(float), LosslessCompression.None, null, 0, pooled: false)
        {
            _decoded = model,
        };
    }

    /// <summary>
    /// The whole model this encodes (not for deltas): for a heap model decoded once and cached
    /// (a float32 model wrapped by <see cref="Whole(ModelVector)"/> returns the model it wraps);
    /// for a pooled model a new copy, which stays valid after <see cref="Release"/>.
    /// </summary>
    public ModelVector DecodeWhole()
    {
        if (IsDelta)
        {
            throw new InvalidOperationException($"A delta of {Base} is not a whole model.");
        }

        if ((_decoded ?? _lease?.Decoded) is { } cached)
        {
            return cached;
        }

        var parameters = GC.AllocateUninitializedArray<float>(Length);
        DecodeInto(parameters);
        var model = new ModelVector(LayoutId, parameters, SamplesTrained);
        if (_lease is { } lease)
        {
            lease.Decoded = model;
        }
        else if (!IsPooled)
        {
            Interlocked.CompareExchange(ref _decoded, model, null);
        }

        return model;
    }

    /// <summary>The hash of the whole model's decoded parameters (cached for heap models).</summary>
    public ModelHash DecodedHash()
    {
        if ((_hash ?? _lease?.Hash) is { } hash)
        {
            return hash;
        }

        var computed = ModelHash.Of(DecodeWhole().Parameters);
        if (_lease is { } lease)
        {
            lease.Hash = computed;
        }
        else if (!IsPooled)
        {
            _hash = computed;
        }

        return computed;
    }

    /// <summary>
    /// Writes the encoded values densely into <paramref name="destination"/> (of <see cref="Length"/>):
    /// the model's parameters, or for a delta the delta (zero where a sparse delta has no entry).
    /// </summary>
    public void DecodeInto(Span<float> destination)
    {
        CheckLength(destination.Length);
        ModelDecoder.Decode(this, destination);
    }

    /// <summary>Writes <paramref name="baseParameters"/> + this delta into <paramref name="destination"/> (both of <see cref="Length"/>).</summary>
    public void ApplyDelta(ReadOnlySpan<float> baseParameters, Span<float> destination)
    {
        if (!IsDelta)
        {
            throw new InvalidOperationException("A whole model is not a delta.");
        }

        CheckLength(baseParameters.Length);
        CheckLength(destination.Length);
        ModelDecoder.AddTo(this, baseParameters, destination);
    }

    /// <summary>
    /// This model on the heap: itself when it is not pooled, otherwise a copy (the buffers copied
    /// into new arrays; this instance stays the caller's to release).
    /// </summary>
    public EncodedModel ToHeap()
    {
        if (!IsPooled)
        {
            return this;
        }

        float[]? floats = _floats is null ? null : Floats.ToArray();
        byte[]? bytes = _bytes is null ? null : Body.ToArray();
        byte[]? compressed = _compressed is null ? null : WireBody.ToArray();
        return new EncodedModel(LayoutId, SamplesTrained, Length, Encoding, Base, floats, bytes, BodyLength, Compression, compressed, WireBodyLength, pooled: false);
    }

    /// <summary>
    /// A view of this model for one more holder, who releases it once (see the remarks): for a
    /// pooled encoder's body a new view of the same buffers; a heap model is itself (it may be
    /// shared freely); a decoded pooled model has one owner, so another holder gets a heap copy.
    /// </summary>
    public EncodedModel Share()
    {
        if (_lease is not { } lease)
        {
            return ToHeap();
        }

        var floats = _floats;
        var bytes = _bytes;
        var compressed = _compressed;
        if (IsReleased)
        {
            throw new ObjectDisposedException(nameof(EncodedModel), "The pooled model was released.");
        }

        lease.AddView();
        return new EncodedModel(LayoutId, SamplesTrained, Length, Encoding, Base, floats, bytes, BodyLength, Compression, compressed, WireBodyLength, pooled: true, lease);
    }

    /// <summary>True when both are views of the same pooled encoder's body.</summary>
    internal bool SharesBodyWith(EncodedModel other) => _lease is not null && ReferenceEquals(_lease, other._lease);

    /// <summary>
    /// Gives the rented buffers of a pooled model back (see the ownership rule in the remarks);
    /// nothing for a heap model. Idempotent.
    /// </summary>
    public void Release()
    {
        if (!IsPooled || Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        if (_lease is { } lease)
        {
            // The view lets go; the buffers are the lease's to give back, with its last view.
            _floats = null;
            _bytes = null;
            _compressed = null;
            lease.DropView();
            return;
        }

        // Empty arrays are the shared singletons the pools hand out for length 0: not theirs to take back.
        if (_floats is { Length: > 0 } floats)
        {
            ArrayPool<float>.Shared.Return(floats);
        }

        if (_bytes is { Length: > 0 } bytes)
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }

        if (_compressed is { Length: > 0 } compressed)
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }

        _floats = null;
        _bytes = null;
        _compressed = null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{CodecName} {(IsDelta ? $"delta of {Base}" : "model")} of {Length} parameters ({WireBodyLength} bytes)";

    internal static string Name(ModelEncoding encoding) => encoding switch
    {
        ModelEncoding.Float32 => "fp32",
        ModelEncoding.Float16 => "fp16",
        ModelEncoding.Int8Block => "int8",
        ModelEncoding.SparseFloat32 => "topk-fp32",
        ModelEncoding.SparseFloat16 => "topk-fp16",
        ModelEncoding.SparseInt8Block => "topk-int8",
        _ => $"codec{(byte)encoding}",
    };

    private T[] Alive<T>(T[]? buffer) => IsReleased
        ? throw new ObjectDisposedException(nameof(EncodedModel), "The pooled model was released.")
        : buffer ?? throw new InvalidOperationException("The model has no such buffer.");

    private void CheckLength(int length)
    {
        if (length != Length)
        {
            throw new ArgumentException($"Expected {Length} parameters, got a span of {length}.");
        }
    }
}
