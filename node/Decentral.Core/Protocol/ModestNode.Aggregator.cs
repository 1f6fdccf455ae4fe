using Decentral.Aggregation;
using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Learning;

namespace Decentral.Protocol;

/// <content>The aggregator role: collect trained models per round, average, send to the sample.</content>
public sealed partial class ModestNode
{
    // How many finished rounds to remember for ignoring late models.
    private const int DoneRoundsKept = 64;
    private readonly SortedDictionary<long, Collection> _collecting = [];
    // Finished rounds: true when aggregated, false when dropped at the timeout.
    private readonly SortedDictionary<long, bool> _doneRounds = [];
    private readonly Dictionary<long, Outgoing> _outgoing = [];
    // The peers each recent aggregate went to (the sample, then any replacements): a replacement is never one of them.
    private readonly Dictionary<long, HashSet<PeerId>> _samplesSent = [];
    private long _highestSent;

    private void OnTrainedModel(PeerId from, TrainedModel message)
    {
        if (RefusesRound(from, message.Round, message.Round - 1))
        {
            // Released rather than refused: a Nack would make the trainer mark this node LEAVE.
            message.Release();
            SendTo(from, new Ack(message.Round, Success: true));
            return;
        }

        MergeUpdate(from, message.View);
        MarkActive(from, message.Round);
        var oldest = _collecting.Count > 0 ? _collecting.Keys.First() : long.MaxValue;
        var done = _doneRounds.TryGetValue(message.Round, out var aggregated);
        if (done || message.Round <= _highestSent || message.Round < oldest && message.Round < AggregateEstimate)
        {
            // The round is over (or overtaken): release the trainer instead of letting it fail over.
            // A round dropped here and not completed elsewhere is refused instead, so a late model
            // follows the Nacked contributors to the next aggregator rather than being lost.
            var refused = done && !aggregated && message.Round > _highestSent && message.Round > TrainEstimate;
            message.Release();
            Observe(ObservationKind.StaleIgnored, message.Round);
            SendTo(from, new Ack(message.Round, Success: !refused));
            return;
        }

        if (message.Round > AggregateEstimate)
        {
            AggregateEstimate = message.Round;
        }

        if (!_collecting.TryGetValue(message.Round, out var collection))
        {
            collection = new Collection(message.Round);
            _collecting.Add(message.Round, collection);
            _effects.SetTimer(new TimerKey(TimerKind.AggregationTimeout, message.Round), _options.AggregationTimeout);
            ArmTrainerCheck(message.Round);
            if (_options.SearchAhead)
            {
                StartSearch(message.Round, _options.SampleSize, SearchPurpose.FindSample, exclude: null);
            }
        }

        // One model per sender: a resend (after a lost Ack, say) does not count twice.
        var contribution = new Contribution(message.Model, message.SampleCount);
        if (!collection.Models.TryAdd(from, contribution))
        {
            message.Release();
            return;
        }

        Prepare(collection, from, contribution);
        if (collection.ReadyCount >= Needed(collection))
        {
            Aggregate(collection);
        }
    }

    // The models a round waits for: the success threshold less the trainers found lost, never
    // below what the timeout accepts.
    private int Needed(Collection collection) =>
        Math.Max(Math.Min(_options.MinModels, _options.SuccessThreshold), _options.SuccessThreshold - collection.Lost.Count);

    private void AggregationTimedOut(long round)
    {
        if (!_collecting.TryGetValue(round, out var collection))
        {
            return;
        }

        if (collection.ReadyCount >= _options.MinModels)
        {
            Aggregate(collection);
            return;
        }

        DropRound(collection);
    }

    // Too few models at the timeout, or none that passed validation: Nack the contributors.
    private void DropRound(Collection collection)
    {
        _collecting.Remove(collection.Round);
        _effects.CancelTimer(new TimerKey(TimerKind.AggregationTimeout, collection.Round));
        _effects.CancelTimer(new TimerKey(TimerKind.TrainerCheck, collection.Round));
        _sampleAhead.Remove(collection.Round);
        ForgetWaiting(collection.Round);
        collection.ReleaseAll();
        MarkDone(collection.Round, aggregated: false);
        Observe(ObservationKind.AggregationDropped, collection.Round, collection.Models.Count);
        foreach (var contributor in collection.Models.Keys)
        {
            SendTo(contributor, new Ack(collection.Round, Success: false));
        }
    }

    private void Aggregate(Collection collection)
    {
        // Canonical order (by sender id) so every run combines in the same order: same bits out.
        var contributors = collection.Models.Keys.Order().ToArray();
        var models = new List<WeightedModel>(contributors.Length);
        foreach (var contributor in contributors)
        {
            var contribution = collection.Models[contributor];
            if (contribution.Model is { } model)
            {
                models.Add(new WeightedModel(model, contribution.Samples));
            }
            else if (!contribution.Refused)
            {
                // Still waiting for its base: it cannot be added to anything.
                Reject(collection.Round, RejectionReason.BaseUnavailable);
            }
        }

        var combined = Combine(collection.Round, models);
        if (combined is not var (aggregate, used))
        {
            DropRound(collection);
            return;
        }

        collection.ReleaseAll();
        _collecting.Remove(collection.Round);
        _effects.CancelTimer(new TimerKey(TimerKind.AggregationTimeout, collection.Round));
        _effects.CancelTimer(new TimerKey(TimerKind.TrainerCheck, collection.Round));
        MarkDone(collection.Round, aggregated: true);
        ForgetWaiting(collection.Round);
        var encoded = EncodeAggregate(aggregate);
        _outgoing[collection.Round] = new Outgoing(collection.Round, encoded, encoded.DecodeWhole(), contributors, used);
        SearchWhenReady(collection.Round, _options.SampleSize, SearchPurpose.FindSample, _sampleAhead, SendAggregate);
    }

    // The sample of the aggregated round was found: send the aggregate to it, Ack the contributors.
    private void SendAggregate(long round, IReadOnlyList<PeerId> sample)
    {
        if (!_outgoing.Remove(round, out var outgoing))
        {
            return;
        }

        try
        {
            SendAggregate(round, sample, outgoing);
        }
        finally
        {
            // Each message got a view of its own.
            outgoing.Model.Release();
        }
    }

    private void SendAggregate(long round, IReadOnlyList<PeerId> sample, Outgoing outgoing)
    {
        foreach (var contributor in outgoing.Contributors)
        {
            SendTo(contributor, new Ack(round, Success: true));
        }

        if (TrainEstimate > round || _highestSent > round)
        {
            // A newer round overtook this one while the sample was searched: its model is obsolete.
            Observe(ObservationKind.StaleIgnored, round);
            return;
        }

        if (sample.Count < _options.SampleSize)
        {
            Observe(ObservationKind.SampleShort, round, sample.Count);
        }

        _highestSent = Math.Max(_highestSent, round);
        MarkActive(Self, round);
        ApplyPendingJoins();
        foreach (var old in _samplesSent.Keys.Where(r => r < TrainEstimate).ToArray())
        {
            _samplesSent.Remove(old);
        }

        _samplesSent[round] = [.. sample];
        foreach (var peer in sample)
        {
            SendTo(peer, new AggregatedModel(round, outgoing.Model.Share(), BuildUpdate(peer)));
        }

        Observe(ObservationKind.Aggregated, round, outgoing.ModelsUsed, outgoing.Decoded);
    }

    // A peer of the sample answered the search but could not take the aggregate (it left, or its
    // sends kept failing): the first live peer of the round's order that was not sent it takes its
    // place, so the next round still has s trainers instead of waiting out its aggregation timeout.
    // Takes over the message (and its view of the model).
    private void ReplaceTrainer(PeerId failed, AggregatedModel aggregate)
    {
        if (failed != Self)
        {
            View.MarkLeave(failed);
        }

        if (aggregate.Round < TrainEstimate || !_samplesSent.TryGetValue(aggregate.Round, out var sent))
        {
            aggregate.Release();
            return;
        }

        _replacing[StartSearch(aggregate.Round, 1, SearchPurpose.ReplaceTrainer, exclude: sent)] = aggregate;
    }

    private void SendToReplacement(AggregatedModel aggregate, IReadOnlyList<PeerId> found)
    {
        if (found.Count == 0 || aggregate.Round < TrainEstimate || !_samplesSent.TryGetValue(aggregate.Round, out var sent) || !sent.Add(found[0]))
        {
            aggregate.Release();
            return;
        }

        var peer = found[0];
        Observe(ObservationKind.TrainerReplaced, aggregate.Round);
        SendTo(peer, new AggregatedModel(aggregate.Round, aggregate.Model, BuildUpdate(peer)));
    }

    // Leaving: the contributors of rounds still collected, or aggregated but not yet sent, are told
    // to fail over (their trainers mark this node LEAVE and send to the next aggregator); its own
    // model, when it is one of them, goes on at once.
    private void NackUndelivered()
    {
        var waiting = _collecting.Values.SelectMany(c => c.Models.Keys.Select(p => (c.Round, Peer: p)))
            .Concat(_outgoing.Values.SelectMany(o => o.Contributors.Select(p => (o.Round, Peer: p))));
        foreach (var (round, peer) in waiting.Distinct().ToArray())
        {
            if (peer == Self)
            {
                PassOnOwnModel(round);
            }
            else
            {
                SendTo(peer, new Ack(round, Success: false));
            }
        }
    }

    private void MarkDone(long round, bool aggregated)
    {
        _doneRounds[round] = aggregated;
        while (_doneRounds.Count > DoneRoundsKept)
        {
            _doneRounds.Remove(_doneRounds.Keys.First());
        }
    }

    private sealed class Collection(long round)
    {
        public long Round { get; } = round;

        public Dictionary<PeerId, Contribution> Models { get; } = [];

        // Expected trainers a check found silent.
        public HashSet<PeerId> Lost { get; } = [];

        // Contributions whose parameters are readable (a delta waiting for its base is not).
        public int ReadyCount => Models.Values.Count(c => c.Model is not null);

        public void ReleaseAll()
        {
            foreach (var contribution in Models.Values)
            {
                contribution.Release();
            }
        }
    }

    // The aggregate as sent (Model) and as its receivers decode it (Decoded, for telemetry);
    // ModelsUsed: the contributors' models that passed validation and went into it.
    private sealed record Outgoing(long Round, EncodedModel Model, ModelVector Decoded, PeerId[] Contributors, int ModelsUsed);
}
