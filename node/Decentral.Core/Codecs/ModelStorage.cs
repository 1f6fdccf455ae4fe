using System.Buffers;
using Decentral.Learning;

namespace Decentral.Codecs;

/// <summary>
/// What the <see cref="EncodedModel"/> handles of one model read: its header, its body buffers,
/// and what it decodes to. A heap storage lives as long as any handle to it (the garbage
/// collector's). A pooled storage holds rented buffers and counts its live views: each
/// <see cref="EncodedModel"/> of it names one view by an id, and when the last view is released
/// the buffers go back to their pools and the storage itself to a pool of storages, to be filled
/// with another model. View ids are never reused by a storage, so a handle whose view was
/// released, before or after the storage was refilled, is recognised as such and cannot read
/// another model. Thread-safe: views are released on whichever thread is done with them.
/// </summary>
internal sealed class ModelStorage
{
    // Storages kept for reuse; a burst beyond this goes to the garbage collector.
    private const int FreeKept = 256;
    private static readonly Stack<ModelStorage> Free = new();

    private readonly Lock _gate = new();
    private readonly List<long> _views = [];
    private long _nextView = 1;

    // Views with ids below this belong to an earlier model of this storage (volatile: read without the lock).
    private long _lifeStart = 1;
    private BodyPool? _returnTo;
    private bool _rentedFloats;
    private bool _rentedBytes;
    private bool _rentedCompressed;

    private ModelStorage(bool pooled) => IsPooled = pooled;

    public bool IsPooled { get; }

    /// <summary>True for a model decoded off the wire: one owner, so another holder gets a heap copy.</summary>
    public bool SingleOwner { get; private set; }

    public string LayoutId { get; private set; } = "";

    public long SamplesTrained { get; private set; }

    public int Length { get; private set; }

    public ModelEncoding Encoding { get; private set; }

    public ModelBase? Base { get; private set; }

    public float[]? Floats { get; private set; }

    public byte[]? Bytes { get; private set; }

    public byte[]? Compressed { get; private set; }

    public int BodyLength { get; private set; }

    public LosslessCompression Compression { get; private set; }

    public int WireBodyLength { get; private set; }

    /// <summary>The decoded whole model, once decoded (a heap model, never rented; dropped with the body).</summary>
    public ModelVector? Decoded { get; set; }

    /// <summary>Its hash, once computed.</summary>
    public ModelHash? Hash { get; set; }

    /// <summary>A heap model's storage (no views to count; nothing goes back to a pool).</summary>
    public static ModelStorage Heap(in ModelHeader header, float[]? floats, byte[]? bytes, byte[]? compressed)
    {
        var storage = new ModelStorage(pooled: false);
        storage.Fill(header, floats, bytes, compressed);
        return storage;
    }

    /// <summary>
    /// A pooled storage holding one view, whose id is returned in <paramref name="view"/>. The
    /// arrays flagged as rented go back to <paramref name="returnTo"/> (null: straight to the
    /// shared array pools) with the last view; the others (a model's own parameters) are only let go.
    /// </summary>
    public static ModelStorage Pooled(in ModelHeader header, BodyPool? returnTo, bool singleOwner, (float[]? Array, bool Rented) floats, (byte[]? Array, bool Rented) bytes, (byte[]? Array, bool Rented) compressed, out long view)
    {
        ModelStorage? storage = null;
        lock (Free)
        {
            Free.TryPop(out storage);
        }

        storage ??= new ModelStorage(pooled: true);
        storage.Fill(header, floats.Array, bytes.Array, compressed.Array);
        storage._returnTo = returnTo;
        storage.SingleOwner = singleOwner;
        storage._rentedFloats = floats.Rented;
        storage._rentedBytes = bytes.Rented;
        storage._rentedCompressed = compressed.Rented;
        lock (storage._gate)
        {
            view = storage._nextView++;
            storage._views.Add(view);
        }

        return storage;
    }

    /// <summary>True while <paramref name="view"/> of a pooled storage is not released (heap: always).</summary>
    public bool IsLive(long view)
    {
        if (!IsPooled)
        {
            return true;
        }

        lock (_gate)
        {
            return _views.Contains(view);
        }
    }

    /// <summary>True while the storage still holds the model <paramref name="view"/> was made for (its header is still that model's).</summary>
    public bool HoldsModelOf(long view) => !IsPooled || view >= Volatile.Read(ref _lifeStart);

    /// <summary>One more view of the model <paramref name="view"/> sees; throws when that view was released.</summary>
    public long AddView(long view)
    {
        lock (_gate)
        {
            if (!_views.Contains(view))
            {
                throw Released();
            }

            var added = _nextView++;
            _views.Add(added);
            return added;
        }
    }

    /// <summary>Lets <paramref name="view"/> go (idempotent); the last view gives the buffers back and recycles the storage.</summary>
    public void Release(long view)
    {
        float[]? floats;
        byte[]? bytes;
        byte[]? compressed;
        lock (_gate)
        {
            if (!_views.Remove(view) || _views.Count > 0)
            {
                return;
            }

            floats = _rentedFloats ? Floats : null;
            bytes = _rentedBytes ? Bytes : null;
            compressed = _rentedCompressed ? Compressed : null;
            Volatile.Write(ref _lifeStart, _nextView);
            Fill(default, null, null, null);
            Decoded = null;
            Hash = null;
        }

        GiveBack(floats, bytes, compressed);
        _returnTo = null;
        lock (Free)
        {
            if (Free.Count < FreeKept)
            {
                Free.Push(this);
            }
        }
    }

    public static ObjectDisposedException Released() => new(nameof(EncodedModel), "The pooled model was released.");

    private void GiveBack(float[]? floats, byte[]? bytes, byte[]? compressed)
    {
        if (_returnTo is { } pool)
        {
            pool.Return(floats);
            pool.Return(bytes);
            pool.Return(compressed);
            return;
        }

        // Empty arrays are the shared singletons the pools hand out for length 0: not theirs to take back.
        if (floats is { Length: > 0 })
        {
            ArrayPool<float>.Shared.Return(floats);
        }

        if (bytes is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }

        if (compressed is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    private void Fill(in ModelHeader header, float[]? floats, byte[]? bytes, byte[]? compressed)
    {
        LayoutId = header.LayoutId ?? "";
        SamplesTrained = header.SamplesTrained;
        Length = header.Length;
        Encoding = header.Encoding;
        Base = header.Base;
        BodyLength = header.BodyLength;
        Floats = floats;
        Bytes = bytes;
        Compressed = compressed;
        Compression = compressed is null ? LosslessCompression.None : header.Compression;
        WireBodyLength = compressed is null ? header.BodyLength : header.CompressedLength;
    }
}

/// <summary>The header of an encoded model: everything but its buffers.</summary>
internal readonly record struct ModelHeader(string LayoutId, long SamplesTrained, int Length, ModelEncoding Encoding, ModelBase? Base, int BodyLength, LosslessCompression Compression, int CompressedLength);
