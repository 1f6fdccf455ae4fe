using Decentral.Aggregation;
using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;

namespace Decentral.Protocol;

/// <content>The trainer role: train the received aggregate, send it to the next aggregators, wait for Ack.</content>
public sealed partial class ModestNode
{
    private long _trainingRound;
    private bool _isTraining;
    private TrainerSend? _trainerSend;
    // The round and the aggregators of the latest trained model that went out, once its send is over.
    private (long Round, HashSet<PeerId> SentTo)? _lastSent;

    // The model the current training started from and its name as a base (deltas only).
    private ModelVector? _trainingStart;
    private ModelBase? _trainingBase;

    /// <summary>Training of <paramref name="round"/> (started by <see cref="IProtocolEffects.StartTraining"/>) finished.</summary>
    /// <param name="round">The round trained.</param>
    /// <param name="trained">The trained model.</param>
    /// <param name="samples">Samples used (the FedAvg weight).</param>
    public void TrainingCompleted(long round, ModelVector trained, int samples)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (!IsRunning || !_isTraining || round != _trainingRound)
        {
            return; // cancelled or superseded: a newer round took over
        }

        _isTraining = false;
        KeepReference(trained);
        CancelTrainerSend();
        var tag = round + 1;
        _trainerSend = new TrainerSend(tag, EncodeTrained(trained), Math.Max(0, samples));
        SearchWhenReady(tag, _options.Aggregators, SearchPurpose.FindAggregators, _aggregatorsAhead, SendTrainedModel);
        Flush();
    }

    private void OnAggregatedModel(PeerId from, AggregatedModel message)
    {
        if (RefusesRound(from, message.Round, message.Round))
        {
            message.Release();
            return;
        }

        if (message.Model.IsDelta)
        {
            // Aggregates go to peers that mostly never held the round before: always whole models.
            message.Release();
            Reject(message.Round, RejectionReason.DeltaAggregate);
            return;
        }

        MergeUpdate(from, message.View);
        MarkActive(from, message.Round);
        if (message.Round > TrainEstimate)
        {
            TrainEstimate = message.Round;
            if (_isTraining && _trainingRound < message.Round)
            {
                _effects.CancelTraining(_trainingRound);
                _isTraining = false;
            }

            if (_trainerSend is { } send && send.Round <= message.Round)
            {
                CancelTrainerSend();
            }
        }

        if (message.Round == TrainEstimate && _trainingRound < message.Round)
        {
            if (Robustness.CollectsAggregates(_options.Aggregators))
            {
                // The round's aggregates are judged together; what is trained is not the base.
                CollectAggregate(from, message.Round, message.Model.DecodeWhole());
                message.Release();
            }
            else
            {
                BeginTraining(message.Round, message.Model.DecodeWhole(), message.Model);
            }
        }
        else if (message.Round == _trainingRound && HeldAsLeave(from) && PassOnExtraHandOff(from, message))
        {
            // A second leaver of the sample handed this node its place too: passed on.
        }
        else
        {
            message.Release();
            Observe(ObservationKind.StaleIgnored, message.Round);
        }
    }

    // This node trains the round already, and a peer that left hands it the round's aggregate: two
    // trainers of the sample that leave at the same moment each hand their place to the same
    // successor, and one of the two places would stay empty. The hand-off goes on to the first live
    // peer after the sample (as this node's view counts it now) that is neither this node, nor the
    // sender, nor a peer this node already passed this round on to; false when there is none.
    private bool PassOnExtraHandOff(PeerId from, AggregatedModel handOff)
    {
        if (_extraHandOffs.Round != handOff.Round)
        {
            _extraHandOffs = (handOff.Round, []);
        }

        var targets = _extraHandOffs.Targets;
        if (FirstAfterSample(handOff.Round, p => p == from || targets.Contains(p)) is not { } successor)
        {
            return false;
        }

        targets.Add(successor);
        SendOn(successor, handOff.Round, handOff.Model);
        return true;
    }

    // The first live peer of order(round) after its sample, as this node's view counts them,
    // other than this node and the peers skipped.
    private PeerId? FirstAfterSample(long round, Func<PeerId, bool> skipped) =>
        LiveByView(round).Skip(_options.SampleSize).FirstOrDefault(p => p != Self && !skipped(p));

    // The round's aggregate goes to the peer that takes a place in its sample.
    private void SendOn(PeerId successor, long round, EncodedModel model)
    {
        Observe(ObservationKind.TrainerReplaced, round);
        SendTo(successor, new AggregatedModel(round, model, BuildUpdate(successor)));
    }

    // `received` is the aggregate as it came (null for the initial model); the node keeps it while
    // it may be asked for it as a base, and releases it after.
    private void BeginTraining(long round, ModelVector model, EncodedModel? received)
    {
        _trainingRound = round;
        _isTraining = true;
        _trainingStart = model;
        KeepReference(model);
        _trainingBase = RememberStart(round, model, received);
        MarkActive(Self, round);
        Observe(ObservationKind.TrainingStarted, round, model: model);
        _aggregatorsAhead.Clear();
        DropPendingAggregates();
        _effects.StartTraining(round, model);
        if (_options.SearchAhead)
        {
            StartSearch(round + 1, _options.Aggregators, SearchPurpose.FindAggregators, exclude: null);
        }
    }

    // The aggregators of the trained model's round were found: send to each (in random order).
    private void SendTrainedModel(long round, IReadOnlyList<PeerId> aggregators)
    {
        if (_trainerSend is not { } send || send.Round != round)
        {
            return;
        }

        if (aggregators.Count == 0)
        {
            Observe(ObservationKind.SampleShort, round);
            send.Model.Release();
            _trainerSend = null;
            return;
        }

        // Concurrent failover searches can find the same replacement: send to each aggregator once
        // and look further down the order for the ones another search already took.
        var targets = aggregators.Where(a => !send.Tried.Contains(a)).ToArray();
        var taken = aggregators.Count - targets.Length;
        if (targets.Length > 0)
        {
            _random.Shuffle(targets);
            ApplyPendingJoins();
            foreach (var aggregator in targets)
            {
                send.SentTo(aggregator, IndexOf(aggregator));
                SendTo(aggregator, new TrainedModel(round, send.Model.Share(), send.Samples, BuildUpdate(aggregator)));
            }

            Observe(ObservationKind.TrainingSent, round, targets.Length);
            _effects.SetTimer(new TimerKey(TimerKind.AckTimeout, round), _options.AckTimeout);
            ArmAggregatorCheck(round);
        }

        if (taken > 0)
        {
            StartSearch(round, taken, SearchPurpose.FindAggregators, exclude: send.Tried);
        }
    }

    private void OnAck(PeerId from, Ack ack)
    {
        if (_trainerSend is not { } send || send.Round != ack.Round || !send.Awaiting.Remove(from))
        {
            return;
        }

        if (ack.Success)
        {
            MarkActive(from, ack.Round);
            if (send.Awaiting.Count == 0)
            {
                CancelTrainerSend();
            }
        }
        else
        {
            FailOver(send, from);
        }
    }

    private void AckTimedOut(long round)
    {
        if (_trainerSend is not { } send || send.Round != round)
        {
            return;
        }

        foreach (var silent in send.Awaiting.ToArray())
        {
            send.Awaiting.Remove(silent);
            FailOver(send, silent);
        }
    }

    // The aggregator refused or vanished: mark it LEAVE (unless it is live but lost the round, see
    // AggregatorsChecked) and pick the next live one of the order. This node may have been its own
    // aggregator (its round was dropped): it never marks itself LEAVE, which would spread through
    // its view updates as if it had left.
    private void FailOver(TrainerSend send, PeerId aggregator, bool gone = true)
    {
        if (gone && aggregator != Self)
        {
            View.MarkLeave(aggregator);
        }

        Observe(ObservationKind.AggregatorFailover, send.Round);
        StartSearch(send.Round, 1, SearchPurpose.FindAggregators, exclude: send.Tried);
    }

    // Leaving: what others wait for from this trainer goes on without a liveness search, to peers
    // picked from this node's view (one that is gone loses it). A model in training is handed to
    // the peer that takes this node's place in the sample: the first live peer of order(round)
    // after the sample's s, this node counted in. A trained model not yet sent (its aggregators
    // were being searched) goes to the first a live peers of its round other than this node.
    private void PassOnTraining()
    {
        if (_isTraining && _trainingStart is { } start && FirstAfterSample(_trainingRound, _ => false) is { } successor)
        {
            // The view update carries this node's LEAVE, so the successor never samples it again.
            SendOn(successor, _trainingRound, EncodeAggregate(start));
        }

        if (_trainerSend is { Tried.Count: 0 } unsent)
        {
            foreach (var aggregator in LiveByView(unsent.Round).Where(p => p != Self).Take(_options.Aggregators).ToArray())
            {
                // Recorded as sent, so a Nack from an aggregator that leaves too sends it on (Leave keeps it).
                unsent.SentTo(aggregator, IndexOf(aggregator));
                SendTo(aggregator, new TrainedModel(unsent.Round, unsent.Model.Share(), unsent.Samples, BuildUpdate(aggregator)));
            }
        }
    }

    // A model message that reached this node after it left (see Receive): an aggregate goes on to
    // the first live peer after the round's sample other than its sender, once per sender; a
    // trained model is Nacked. The rest is dropped.
    private void PassOnAfterLeave(PeerId from, ProtocolMessage message)
    {
        switch (message)
        {
            case AggregatedModel { Model.IsDelta: false } aggregate when _relayed.Add((aggregate.Round, from))
                && FirstAfterSample(aggregate.Round, p => p == from) is { } successor:
                SendOn(successor, aggregate.Round, aggregate.Model);
                return;
            case TrainedModel trained when from != Self:
                SendTo(from, new Ack(trained.Round, Success: false));
                break;
            case Ack { Success: false } nack when _sentWhenLeft is { } sent && sent.Round == nack.Round && sent.Awaiting.Remove(from):
                // An aggregator that leaves too refused the model this node had sent: the next live
                // one of the round's order gets it, as a failover would have sent it.
                SendToNextAggregator(sent);
                break;
        }

        message.Release();
    }

    // Leaving as the aggregator of a round it also trained: its own model, collected without a
    // message, goes to the next live aggregator of the round as a Nack would send it (the others
    // get Nacks). Dropped, the next aggregator waited out its timeout for a model it never got:
    // its trainer check counts the leaver as gone and pings its live successor in the order
    // instead, which answers and never trains (2 of 16 two-node leaves in the node).
    private void PassOnOwnModel(long round)
    {
        if (_trainerSend is { } send && send.Round == round && send.Awaiting.Remove(Self))
        {
            SendToNextAggregator(send);
        }
    }

    // Without a search (the node is leaving): to the first live peer of order(round) not tried yet.
    private void SendToNextAggregator(TrainerSend send)
    {
        if (LiveByView(send.Round).FirstOrDefault(p => p != Self && !send.Tried.Contains(p)) is { } next)
        {
            send.SentTo(next, IndexOf(next));
            Observe(ObservationKind.AggregatorFailover, send.Round);
            SendTo(next, new TrainedModel(send.Round, send.Model.Share(), send.Samples, BuildUpdate(next)));
        }
    }

    // What a pong to `to` says of this node's latest trained model (Pong.SentElsewhere): its round
    // when it went out to aggregators other than `to` only, else 0.
    private long SentElsewhere(PeerId to)
    {
        if (_trainerSend is { Tried.Count: > 0 } current)
        {
            return current.Tried.Contains(to) ? 0 : current.Round;
        }

        return _lastSent is { } last && !last.SentTo.Contains(to) ? last.Round : 0;
    }

    // The membership index this node's view holds for peer (0 when it holds none).
    private long IndexOf(PeerId peer) => View.TryGet(peer, out var record) ? record.MembershipIndex : 0;

    // The peers of order(round) this node's view counts as live, itself included.
    private IEnumerable<PeerId> LiveByView(long round) =>
        _order.Order(round, View).Where(p => p == Self || View.IsActive(p, round, _options.InactivityThreshold));

    private void CancelTrainerSend()
    {
        if (_trainerSend is { } send)
        {
            if (send.Tried.Count > 0)
            {
                _lastSent = (send.Round, send.Tried);
            }

            _effects.CancelTimer(new TimerKey(TimerKind.AckTimeout, send.Round));
            _effects.CancelTimer(new TimerKey(TimerKind.AggregatorCheck, send.Round));
            _aggregatorCheck = null;
            send.Model.Release();
            _trainerSend = null;
        }
    }

    // Model: this node's own view of what it sends (each message gets a view of its own).
    private sealed class TrainerSend(long round, EncodedModel model, int samples)
    {
        public long Round { get; } = round;

        public EncodedModel Model { get; } = model;

        public int Samples { get; } = samples;

        public HashSet<PeerId> Tried { get; } = [];

        public List<PeerId> Awaiting { get; } = [];

        // The membership index each aggregator had in this node's view when the model went to it:
        // a higher one later means it restarted since (Join takes a higher index) and lost the model.
        public Dictionary<PeerId, long> IndexWhenSent { get; } = [];

        public void SentTo(PeerId aggregator, long membershipIndex)
        {
            Tried.Add(aggregator);
            Awaiting.Add(aggregator);
            IndexWhenSent[aggregator] = membershipIndex;
        }

        // The same send with its model on the heap: kept past a leave, when nothing tells the core
        // that its driver stopped delivering, so no pooled body may wait for it.
        public TrainerSend ToHeap()
        {
            var copy = new TrainerSend(Round, Model.ToHeap(), Samples);
            copy.Tried.UnionWith(Tried);
            copy.Awaiting.AddRange(Awaiting);
            foreach (var (peer, index) in IndexWhenSent)
            {
                copy.IndexWhenSent[peer] = index;
            }

            return copy;
        }
    }
}
