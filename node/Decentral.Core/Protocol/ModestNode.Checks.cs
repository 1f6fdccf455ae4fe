using Decentral.Identity;

namespace Decentral.Protocol;

/// <content>
/// The liveness checks of a round's other side, both liveness searches over the peers a round
/// still waits for: an aggregator pings the trainers whose models have not come
/// (<see cref="ModestOptions.TrainerCheckInterval"/>), a trainer the aggregators whose Acks have
/// not (<see cref="ModestOptions.AggregatorCheckInterval"/>).
/// </content>
public sealed partial class ModestNode
{
    // Trainer checks under way, by search: the round, the peers pinged, and those that answered
    // live but whose model is not coming (see TrainerAnswered).
    private readonly Dictionary<long, (long Round, PeerId[] Missing, HashSet<PeerId> NotComing)> _trainerChecks = [];
    // The aggregator check under way: its liveness search and the aggregators it pinged.
    private (long SearchId, PeerId[] Pinged)? _aggregatorCheck;

    private void ArmTrainerCheck(long round)
    {
        if (_options.TrainerCheckInterval > TimeSpan.Zero)
        {
            _effects.SetTimer(new TimerKey(TimerKind.TrainerCheck, round), _options.TrainerCheckInterval);
        }
    }

    // Pings the expected trainers of round that have not sent; TrainersChecked counts lost the silent
    // ones and those that answer with no model coming (TrainerAnswered).
    private void CheckTrainers(long round)
    {
        if (!_collecting.TryGetValue(round, out var collection) || _trainerChecks.Values.Any(c => c.Round == round))
        {
            return;
        }

        var expected = LiveByView(round - 1).Take(_options.SampleSize).Where(p => !collection.Models.ContainsKey(p) && !collection.Lost.Contains(p)).ToArray();
        if (expected.Contains(Self) && SelfNotComing(round) is { } kind)
        {
            // This node was an expected trainer too, and its model is not coming: it is judged as
            // a pinged trainer's answer would be, without the ping. (A failover aggregator whose own
            // model went to the aggregator that failed, and who moved on when that one's aggregate
            // reached it, would otherwise wait for itself until the aggregation timeout.)
            Observe(kind, round);
            collection.Lost.Add(Self);
            if (collection.ReadyCount >= Needed(collection))
            {
                Aggregate(collection);
                return;
            }
        }

        var missing = expected.Where(p => p != Self).ToArray();
        if (missing.Length == 0)
        {
            ArmTrainerCheck(round);
            return;
        }

        _trainerChecks[StartSearch(round - 1, missing.Length, SearchPurpose.CheckTrainers, exclude: null, candidates: missing)] = (round, missing, []);
    }

    // A pinged trainer answered. No model of it is coming when its latest aggregate is older than
    // the round it would train (a peer this node's view counts in the sample although the previous
    // aggregator, with another view, sent the round elsewhere), or when it sent its model of this
    // round or a later one to other aggregators only (its view picked others).
    private void TrainerAnswered(long searchId, PeerId from, Pong pong)
    {
        if (!_trainerChecks.TryGetValue(searchId, out var check))
        {
            return;
        }

        var notSampled = pong.TrainEstimate < check.Round - 1;
        if ((notSampled || pong.SentElsewhere >= check.Round) && check.NotComing.Add(from))
        {
            Observe(notSampled ? ObservationKind.TrainerNotSampled : ObservationKind.TrainerSentElsewhere, check.Round);
        }
    }

    // What TrainerAnswered would make of this node's own Pong: the kind of "not coming", or null.
    private ObservationKind? SelfNotComing(long round) =>
        TrainEstimate < round - 1 ? ObservationKind.TrainerNotSampled
        : SentElsewhere(Self) >= round ? ObservationKind.TrainerSentElsewhere
        : null;

    private void TrainersChecked(long searchId, IReadOnlyList<PeerId> answered)
    {
        if (!_trainerChecks.Remove(searchId, out var check) || !_collecting.TryGetValue(check.Round, out var collection))
        {
            return;
        }

        var silent = check.Missing.Except(answered).Where(p => !collection.Models.ContainsKey(p)).ToArray();
        if (silent.Length > 0)
        {
            Observe(ObservationKind.TrainersSilent, check.Round, silent.Length);
        }

        foreach (var lost in silent.Union(check.NotComing).Where(p => !collection.Models.ContainsKey(p)))
        {
            collection.Lost.Add(lost);
        }

        if (collection.ReadyCount >= Needed(collection))
        {
            Aggregate(collection);
            return;
        }

        ArmTrainerCheck(check.Round);
    }

    private void ArmAggregatorCheck(long round)
    {
        if (_options.AggregatorCheckInterval > TimeSpan.Zero)
        {
            _effects.SetTimer(new TimerKey(TimerKind.AggregatorCheck, round), _options.AggregatorCheckInterval);
        }
    }

    // Pings the aggregators of round whose Ack has not come (this node, its own aggregator, needs
    // no ping); AggregatorsChecked fails over from the silent ones and from those that restarted
    // since the model went to them.
    private void CheckAggregators(long round)
    {
        if (_trainerSend is not { } send || send.Round != round || _aggregatorCheck is not null)
        {
            return;
        }

        var awaited = send.Awaiting.Where(p => p != Self).Distinct().ToArray();
        if (awaited.Length > 0)
        {
            _aggregatorCheck = (StartSearch(round, awaited.Length, SearchPurpose.CheckAggregators, exclude: null, candidates: awaited), awaited);
        }
    }

    private void AggregatorsChecked(long searchId, IReadOnlyList<PeerId> answered)
    {
        if (_aggregatorCheck is not var (id, pinged) || id != searchId)
        {
            return;
        }

        _aggregatorCheck = null;
        if (_trainerSend is not { } send)
        {
            return;
        }

        foreach (var silent in pinged.Except(answered).Where(send.Awaiting.Contains))
        {
            send.Awaiting.Remove(silent);
            Observe(ObservationKind.AggregatorSilent, send.Round);
            FailOver(send, silent);
        }

        // One that answered with a higher membership index than it had when the model went to it
        // restarted since (a restart rejoins with a higher index) and lost its collection: it would
        // never Ack. It is live, so it is not marked LEAVE; the model goes to the next aggregator.
        // (A live node that took a higher index because it learned it was held LEAVE kept its
        // collection: the round may then get a second aggregate, taken as any other one.)
        foreach (var restarted in answered.Where(p => send.Awaiting.Contains(p) && send.IndexWhenSent.TryGetValue(p, out var index) && IndexOf(p) > index))
        {
            send.Awaiting.Remove(restarted);
            Observe(ObservationKind.AggregatorRestarted, send.Round);
            FailOver(send, restarted, gone: false);
        }

        // The send may have ended (a failover that found no aggregator) or gone on to another round.
        if (_trainerSend is { } still && still.Round == send.Round && still.Awaiting.Count > 0)
        {
            ArmAggregatorCheck(still.Round);
        }
    }
}
