using Decentral.Aggregation;
using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Learning;

namespace Decentral.Protocol;

/// <content>
/// Models on the wire (codec, deltas, bases). With a codec other than plain fp32, a trainer sends
/// the delta from the aggregate it trained from, named by that aggregate's round and hash. An
/// aggregator adds a delta only to a base it holds under exactly that name (bases are the models
/// this node trained from, and bases fetched from a delta's sender and checked against the
/// hash); a delta whose base it lacks waits while it asks the delta's senders, one at a time, and
/// is left out of the round (counted) if none has it. Received models live in pooled buffers:
/// each contribution is decoded (and its delta applied) into a rented array as soon as its base
/// is known, the received buffers are released then, and the rented arrays go back after the
/// round is aggregated or dropped.
/// </content>
public sealed partial class ModestNode
{
    // Bases kept for deltas: the models this node started training from and fetched ones, newest last.
    private const int BasesKept = 4;
    private readonly List<(ModelBase Key, ModelVector Model)> _bases = [];
    private readonly Dictionary<ModelBase, BaseFetch> _fetches = [];
    private ModelEncoder? _encoder;

    // The aggregate this node trains from as it came (for base requests), and its name.
    private ModelBase? _heldBase;
    private EncodedModel? _heldEncoded;

    // Pooled bodies only for a driver that releases what it sends (see IProtocolEffects.ReleasesSentModels).
    private ModelEncoder Encoder => _encoder ??= new ModelEncoder(_options.Codec, BodyPoolOverride ?? (_effects.ReleasesSentModels ? BodyPool.Shared : null));

    /// <summary>Tests: the pool a releasing driver's node encodes into, instead of the shared one.</summary>
    internal BodyPool? BodyPoolOverride { get; set; }

    private bool UsesDeltas => _options.Codec.UsesDeltas;

    // Remembers the model training starts from as a base for deltas: its own and for base requests.
    private ModelBase? RememberStart(long round, ModelVector start, EncodedModel? received)
    {
        ReleaseHeld();
        if (!UsesDeltas)
        {
            received?.Release();
            return null;
        }

        // The initial model was named at Start; a shared (simulated) aggregate hashes once for all its receivers.
        ModelBase? known = null;
        foreach (var (k, model) in _bases)
        {
            if (ReferenceEquals(model, start) && k.Round == round)
            {
                known = k;
            }
        }

        var key = known ?? new ModelBase(round, received is { IsPooled: false } shared ? shared.DecodedHash() : ModelHash.Of(start.Parameters));
        AddBase(key, start);
        _heldBase = key;
        _heldEncoded = received;
        return key;
    }

    private void ReleaseHeld()
    {
        _heldEncoded?.Release();
        _heldEncoded = null;
        _heldBase = null;
    }

    private void AddBase(ModelBase key, ModelVector model)
    {
        _bases.RemoveAll(b => b.Key == key);
        _bases.Add((key, model));
        if (_bases.Count > BasesKept)
        {
            _bases.RemoveAt(0);
        }
    }

    private ModelVector? FindBase(ModelBase key)
    {
        foreach (var (k, model) in _bases)
        {
            if (k == key)
            {
                return model;
            }
        }

        return null;
    }

    // The trained model as it goes to the aggregators: whole in plain fp32, else a delta of the start.
    private EncodedModel EncodeTrained(ModelVector trained)
    {
        if (!UsesDeltas)
        {
            return EncodedModel.Whole(trained);
        }

        return _trainingBase is { } key && _trainingStart is { } start && start.Length == trained.Length
            ? Encoder.EncodeDelta(trained, start.Parameters, key)
            : Encoder.EncodeWhole(trained);
    }

    private EncodedModel EncodeAggregate(ModelVector aggregate) => UsesDeltas ? Encoder.EncodeWhole(aggregate) : EncodedModel.Whole(aggregate);

    // A trainer answers with the base as it received it (the aggregate's own bytes), or, for a
    // base it holds only decoded (the initial model, a fetched base), as exact float32.
    private void OnBaseRequest(PeerId from, BaseRequest request)
    {
        var key = new ModelBase(request.Round, request.Hash);
        EncodedModel? model = null;
        if (_heldBase == key && _heldEncoded is { } held)
        {
            model = held.ToHeap();
        }
        else if (FindBase(key) is { } decoded)
        {
            model = EncodedModel.Whole(decoded);
        }

        SendTo(from, new BaseReply(request.Round, request.Hash, model));
    }

    private void OnBaseReply(PeerId from, BaseReply reply)
    {
        var key = new ModelBase(reply.Round, reply.Hash);
        if (!_fetches.TryGetValue(key, out var fetch) || fetch.Asked != from)
        {
            reply.Release();
            Reject(reply.Round, RejectionReason.UnrequestedBase);
            return;
        }

        fetch.Asked = null;
        if (reply.Model is not { } encoded)
        {
            AskNext(key, fetch);
            return;
        }

        ModelVector? model = null;
        if (!encoded.IsDelta)
        {
            model = encoded.DecodeWhole();
        }

        encoded.Release();
        if (model is null || ModelHash.Of(model.Parameters) != key.Hash)
        {
            Reject(reply.Round, RejectionReason.BaseHashMismatch);
            AskNext(key, fetch);
            return;
        }

        AddBase(key, model);
        _fetches.Remove(key);
        foreach (var (round, sender) in fetch.Waiting)
        {
            if (_collecting.TryGetValue(round, out var collection) && collection.Models.TryGetValue(sender, out var contribution))
            {
                Prepare(collection, sender, contribution);
            }
        }

        foreach (var round in fetch.Waiting.Select(w => w.Round).Distinct().ToArray())
        {
            if (_collecting.TryGetValue(round, out var collection) && collection.ReadyCount >= _options.SuccessThreshold)
            {
                Aggregate(collection);
            }
        }
    }

    private void BaseRequestFailed(PeerId to, BaseRequest request)
    {
        var key = new ModelBase(request.Round, request.Hash);
        if (_fetches.TryGetValue(key, out var fetch) && fetch.Asked == to)
        {
            fetch.Asked = null;
            AskNext(key, fetch);
        }
    }

    // Makes a contribution ready: a heap float32 whole model is used as it is (the simulator shares
    // it); any other is decoded (its delta applied to its base) into a pooled array of its exact
    // length and the received buffers are released.
    private void Prepare(Collection collection, PeerId sender, Contribution contribution)
    {
        var encoded = contribution.Encoded;
        if (!encoded.IsDelta && encoded.Encoding == ModelEncoding.Float32 && !encoded.IsPooled)
        {
            contribution.Model = encoded.DecodeWhole();
            return;
        }

        float[] rebuilt;
        if (!encoded.IsDelta)
        {
            rebuilt = ParameterBuffers.Rent(encoded.Length);
            encoded.DecodeInto(rebuilt);
        }
        else
        {
            var key = encoded.Base!.Value;
            if (FindBase(key) is not { } model)
            {
                WaitForBase(collection.Round, sender, key);
                return;
            }

            if (model.Length != encoded.Length || !string.Equals(model.LayoutId, encoded.LayoutId, StringComparison.Ordinal))
            {
                contribution.Refuse();
                Reject(collection.Round, RejectionReason.BaseMismatch);
                return;
            }

            rebuilt = ParameterBuffers.Rent(encoded.Length);
            encoded.ApplyDelta(model.Parameters, rebuilt);
        }

        contribution.Rented = rebuilt;
        contribution.Model = new ModelVector(encoded.LayoutId, rebuilt, encoded.SamplesTrained);
        encoded.Release();
    }

    private void WaitForBase(long round, PeerId sender, ModelBase key)
    {
        if (!_fetches.TryGetValue(key, out var fetch))
        {
            _fetches[key] = fetch = new BaseFetch();
        }

        fetch.Waiting.Add((round, sender));
        if (fetch.Asked is null)
        {
            AskNext(key, fetch);
        }
    }

    // Asks the next sender waiting on the base that was not asked yet; when none is left, every
    // delta on that base is left out of its round.
    private void AskNext(ModelBase key, BaseFetch fetch)
    {
        foreach (var (_, sender) in fetch.Waiting)
        {
            if (fetch.Tried.Add(sender))
            {
                fetch.Asked = sender;
                Observe(ObservationKind.BaseRequested, key.Round);
                SendTo(sender, new BaseRequest(key.Round, key.Hash));
                return;
            }
        }

        _fetches.Remove(key);
        foreach (var (round, sender) in fetch.Waiting)
        {
            if (_collecting.TryGetValue(round, out var collection) && collection.Models.TryGetValue(sender, out var contribution) && !contribution.Refused)
            {
                contribution.Refuse();
                Reject(round, RejectionReason.BaseUnavailable);
            }
        }
    }

    // A finished or abandoned round: its deltas no longer wait for anything.
    private void ForgetWaiting(long round)
    {
        foreach (var (key, fetch) in _fetches.ToArray())
        {
            fetch.Waiting.RemoveAll(w => w.Round == round);
            if (fetch.Waiting.Count == 0)
            {
                _fetches.Remove(key);
            }
        }
    }

    private void ReleaseModels()
    {
        foreach (var collection in _collecting.Values)
        {
            collection.ReleaseAll();
        }

        _fetches.Clear();
        ReleaseHeld();
    }

    private sealed class BaseFetch
    {
        // Deltas on this base: (round, sender), in arrival order (the order senders are asked in).
        public List<(long Round, PeerId Sender)> Waiting { get; } = [];

        public HashSet<PeerId> Tried { get; } = [];

        public PeerId? Asked { get; set; }
    }

    // One trained model of a round: as received, then ready (Model set) once decoded, or refused
    // (its sender still gets the round's Ack, and a resend does not count again).
    private sealed class Contribution(EncodedModel encoded, int samples)
    {
        public EncodedModel Encoded { get; } = encoded;

        public int Samples { get; } = samples;

        // The model to aggregate; its array is Rented when it was rebuilt here.
        public ModelVector? Model { get; set; }

        public float[]? Rented { get; set; }

        public bool Refused { get; private set; }

        public void Refuse()
        {
            Release();
            Refused = true;
        }

        public void Release()
        {
            Encoded.Release();
            if (Rented is { } rented)
            {
                ParameterBuffers.Return(rented);
                Rented = null;
            }

            Model = null;
        }
    }
}
