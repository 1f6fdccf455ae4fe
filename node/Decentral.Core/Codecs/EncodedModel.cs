using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Decentral.Learning;

namespace Decentral.Codecs;

/// <summary>
/// A model or a delta as it travels: the layout, the encoding (codec id), what it is a delta of
/// (<see cref="Base"/>, null for a whole model), and the encoded body, optionally behind a
/// lossless stage. Immutable. Sizes are known without encoding, so the simulator counts exact
/// bytes while sharing one instance between receivers. A small handle (a struct): what it reads
/// lives in a storage it names with a view of its own, so copying one copies the view (see Share).
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
/// the last view, and the storage behind the views to a pool of its own, so a node that releases
/// what it holds encodes and decodes without allocating. A holder that never releases only costs
/// the pool a body (the garbage collector takes it); one that reads a view after releasing it gets
/// <see cref="ObjectDisposedException"/>, also once the storage holds another model (view ids are
/// never reused). Copies of one handle are the same view: release it once, not once per copy.</para>
/// <para>Decoding a heap model caches the result (<see cref="DecodeWhole"/>), so the receivers of
/// one shared aggregate decode it once; the views of one pooled body share that cache too.</para>
/// </remarks>
public readonly struct EncodedModel : IEquatable<EncodedModel>
{
    private readonly ModelStorage? _storage;

    // The view this handle holds of a pooled storage (0 for a heap one).
    private readonly long _view;

    private EncodedModel(ModelStorage storage, long view)
    {
        _storage = storage;
        _view = view;
    }

    /// <summary>The layout (architecture and parameter order) the model belongs to.</summary>
    public string LayoutId => Header.LayoutId;

    /// <summary>Samples the model has seen in total (age-weighted baselines use it).</summary>
    public long SamplesTrained => Header.SamplesTrained;

    /// <summary>Parameters of the model (a delta has as many as its base).</summary>
    public int Length => Header.Length;

    /// <summary>The body's encoding (the codec id on the wire).</summary>
    public ModelEncoding Encoding => Header.Encoding;

    /// <summary>The lossless stage the body travels through (None when it would not have shrunk it).</summary>
    public LosslessCompression Compression => Header.Compression;

    /// <summary>The model this is a delta of, or null for a whole model.</summary>
    public ModelBase? Base => Header.Base;

    /// <summary>True for a delta (<see cref="Base"/> is set).</summary>
    public bool IsDelta => Base is not null;

    /// <summary>True when the buffers are rented and must be given back with <see cref="Release"/>.</summary>
    public bool IsPooled => Storage.IsPooled;

    /// <summary>True once <see cref="Release"/> was called on this view of a pooled model.</summary>
    public bool IsReleased => !Storage.IsLive(_view);

    /// <summary>Bytes of the encoded body before the lossless stage.</summary>
    public int BodyLength => Header.BodyLength;

    /// <summary>Bytes of the body on the wire (after the lossless stage, if any).</summary>
    public int WireBodyLength => Header.WireBodyLength;

    /// <summary>A short name of the encoding for reports: "fp32", "int8", "topk-fp16", "int8+zstd".</summary>
    public string CodecName => Name(Encoding) + Compression switch
    {
        LosslessCompression.Lz4 => "+lz4",
        LosslessCompression.Zstd => "+zstd",
        _ => "",
    };

    /// <summary>The Float32 body's values (only for <see cref="ModelEncoding.Float32"/>).</summary>
    internal ReadOnlySpan<float> Floats => Encoding == ModelEncoding.Float32
        ? Alive(Storage.Floats).AsSpan(0, Length)
        : throw new InvalidOperationException($"A {Encoding} body has no float32 values.");

    /// <summary>The Float32 body's values as memory (only for <see cref="ModelEncoding.Float32"/>).</summary>
    internal ReadOnlyMemory<float> FloatMemory => Encoding == ModelEncoding.Float32
        ? Alive(Storage.Floats).AsMemory(0, Length)
        : throw new InvalidOperationException($"A {Encoding} body has no float32 values.");

    /// <summary>The encoded body (before the lossless stage), little-endian.</summary>
    internal ReadOnlySpan<byte> Body => Storage.Floats is not null || Encoding == ModelEncoding.Float32
        ? MemoryMarshal.AsBytes(Floats)
        : Alive(Storage.Bytes).AsSpan(0, BodyLength);

    /// <summary>The rented body, for the wire decoder to decompress into before the model is handed out.</summary>
    internal Span<byte> WritableBody => Storage.Floats is not null
        ? MemoryMarshal.AsBytes(Alive(Storage.Floats).AsSpan(0, Length))
        : Alive(Storage.Bytes).AsSpan(0, BodyLength);

    /// <summary>The body as it goes on the wire: compressed when <see cref="Compression"/> is set.</summary>
    internal ReadOnlySpan<byte> WireBody => Compression == LosslessCompression.None ? Body : Alive(Storage.Compressed).AsSpan(0, WireBodyLength);

    // The storage, whose header is this view's model (a released view of a refilled storage throws).
    private ModelStorage Header => Storage.HoldsModelOf(_view) ? Storage : throw ModelStorage.Released();

    private ModelStorage Storage => _storage ?? throw new InvalidOperationException("An EncodedModel that was never made (default) holds no model.");

    /// <summary>Whether two handles are the same view of the same model.</summary>
    public static bool operator ==(EncodedModel left, EncodedModel right) => left.Equals(right);

    /// <summary>Whether two handles are not the same view of the same model.</summary>
    public static bool operator !=(EncodedModel left, EncodedModel right) => !left.Equals(right);

    /// <summary>
    /// A whole float32 model wrapping <paramref name="model"/>'s parameters without copying them
    /// (the model is immutable, so the wrapper may be shared).
    /// </summary>
    public static EncodedModel Whole(ModelVector model)
    {
        var storage = ModelStorage.Heap(WholeHeader(model), model.Parameters, null, null);
        storage.Decoded = model;
        return new EncodedModel(storage, 0);
    }

    /// <summary>A heap model over the given buffers (the heap encoder's results and copies).</summary>
    internal static EncodedModel OnHeap(in ModelHeader header, float[]? floats, byte[]? bytes, byte[]? compressed) =>
        new(ModelStorage.Heap(header, floats, bytes, compressed), 0);

    /// <summary>
    /// A pooled model, one view of a storage from the pool: the arrays flagged as rented go back to
    /// <paramref name="returnTo"/> (null: the shared array pools) with its last view.
    /// <paramref name="singleOwner"/> (a model decoded off the wire) makes <see cref="Share"/> copy.
    /// </summary>
    internal static EncodedModel Pooled(in ModelHeader header, BodyPool? returnTo, bool singleOwner, (float[]? Array, bool Rented) floats, (byte[]? Array, bool Rented) bytes, (byte[]? Array, bool Rented) compressed)
    {
        var storage = ModelStorage.Pooled(header, returnTo, singleOwner, floats, bytes, compressed, out var view);
        return new EncodedModel(storage, view);
    }

    /// <summary>A pooled whole float32 model over <paramref name="model"/>'s own parameters (nothing rented; the storage is pooled).</summary>
    internal static EncodedModel PooledWhole(ModelVector model)
    {
        var encoded = Pooled(WholeHeader(model), returnTo: null, singleOwner: false, (model.Parameters, false), (null, false), (null, false));
        encoded.Storage.Decoded = model;
        return encoded;
    }

    /// <summary>
    /// The whole model this encodes (not for deltas): decoded once and cached with the body, so
    /// the holders of one model decode it once (a float32 model wrapped by
    /// <see cref="Whole(ModelVector)"/> returns the model it wraps). The result is a heap model,
    /// valid after <see cref="Release"/>.
    /// </summary>
    public ModelVector DecodeWhole()
    {
        if (IsDelta)
        {
            throw new InvalidOperationException($"A delta of {Base} is not a whole model.");
        }

        var storage = Header;
        if (storage.Decoded is { } cached)
        {
            return cached;
        }

        var parameters = GC.AllocateUninitializedArray<float>(Length);
        DecodeInto(parameters);
        var model = new ModelVector(LayoutId, parameters, SamplesTrained);
        storage.Decoded ??= model;
        return storage.Decoded;
    }

    /// <summary>The hash of the whole model's decoded parameters (cached with the body).</summary>
    public ModelHash DecodedHash()
    {
        var storage = Header;
        if (storage.Hash is { } hash)
        {
            return hash;
        }

        var computed = ModelHash.Of(DecodeWhole().Parameters);
        storage.Hash = computed;
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
    /// into new arrays; this view stays the caller's to release).
    /// </summary>
    public EncodedModel ToHeap()
    {
        if (!IsPooled)
        {
            return this;
        }

        var storage = Header;
        float[]? floats = storage.Floats is null ? null : Floats.ToArray();
        byte[]? bytes = storage.Bytes is null ? null : Body.ToArray();
        byte[]? compressed = storage.Compressed is null ? null : WireBody.ToArray();
        var copy = OnHeap(new ModelHeader(LayoutId, SamplesTrained, Length, Encoding, Base, BodyLength, Compression, WireBodyLength), floats, bytes, compressed);
        copy.Storage.Decoded = storage.Decoded;
        copy.Storage.Hash = storage.Hash;
        return copy;
    }

    /// <summary>
    /// A view of this model for one more holder, who releases it once (see the remarks): for a
    /// pooled encoder's body a new view of the same buffers; a heap model is itself (it may be
    /// shared freely); a decoded pooled model has one owner, so another holder gets a heap copy.
    /// </summary>
    public EncodedModel Share()
    {
        var storage = Storage;
        if (!storage.IsPooled)
        {
            return this;
        }

        return storage.SingleOwner ? ToHeap() : new EncodedModel(storage, storage.AddView(_view));
    }

    /// <summary>Tests: true when both handles name the same storage (of one model, or a released one and the next).</summary>
    internal bool SameStorage(EncodedModel other) => _storage is not null && ReferenceEquals(_storage, other._storage);

    /// <summary>True when both are views of the same pooled encoder's body.</summary>
    internal bool SharesBodyWith(EncodedModel other) => _storage is { IsPooled: true, SingleOwner: false } && ReferenceEquals(_storage, other._storage) && HoldsSameModel(other);

    /// <summary>
    /// Gives this view of a pooled model back (see the ownership rule in the remarks); nothing for
    /// a heap model. Idempotent.
    /// </summary>
    public void Release() => _storage?.Release(_view);

    /// <inheritdoc />
    public bool Equals(EncodedModel other) => ReferenceEquals(_storage, other._storage) && _view == other._view;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EncodedModel other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_storage is null ? 0 : RuntimeHelpers.GetHashCode(_storage), _view);

    /// <inheritdoc />
    public override string ToString() => _storage is null
        ? "no model"
        : !Storage.HoldsModelOf(_view)
            ? "a released model"
            : $"{CodecName} {(IsDelta ? $"delta of {Base}" : "model")} of {Length} parameters ({WireBodyLength} bytes)";

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

    private static ModelHeader WholeHeader(ModelVector model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Length > int.MaxValue / sizeof(float))
        {
            throw new ArgumentException($"A model of {model.Length} parameters does not fit one MessagePack bin.", nameof(model));
        }

        return new ModelHeader(model.LayoutId, model.SamplesTrained, model.Length, ModelEncoding.Float32, null, model.Length * sizeof(float), LosslessCompression.None, 0);
    }

    // Both views still see the model of the storage they share.
    private bool HoldsSameModel(EncodedModel other) => Storage.HoldsModelOf(_view) && Storage.HoldsModelOf(other._view);

    private T[] Alive<T>(T[]? buffer) => !Storage.IsLive(_view)
        ? throw ModelStorage.Released()
        : buffer ?? throw new InvalidOperationException("The model has no such buffer.");

    private void CheckLength(int length)
    {
        if (length != Length)
        {
            throw new ArgumentException($"Expected {Length} parameters, got a span of {length}.");
        }
    }
}
