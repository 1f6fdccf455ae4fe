using Decentral.Aggregation;
using Decentral.Identity;
using Decentral.Learning;

namespace Decentral.Protocol;

/// <content>
/// Defences against poisoned models (<see cref="RobustnessOptions"/>): round consistency of
/// incoming models, validation and the aggregation rule (used by the aggregator role), and the
/// trainer's combination of a round's aggregates when there are several aggregators.
/// </content>
public sealed partial class ModestNode
{
    private readonly IAggregationRule _rule;
    private readonly ModelValidator _validator;
    private PendingAggregates? _pendingAggregates;
    // The reference defence's trusted point: the model this node trained last (or started from).
    private ModelVector? _reference;

    private RobustnessOptions Robustness => _options.Robustness;

    // Round consistency, checked before anything of the message is used (its view update too):
    // a tag far beyond this node's round estimate, or a sender that could not have been sampled
    // for the role it claims. senderRound is the round whose order the sender was picked from.
    private bool RefusesRound(PeerId from, long round, long senderRound)
    {
        var reason = RejectionReason.None;
        if (Robustness.MaxRoundsAhead > 0 && round > RoundEstimate + Robustness.MaxRoundsAhead)
        {
            reason = RejectionReason.RoundAhead;
        }
        else if (Robustness.RankLimit > 0 && from != Self && !RanksWithin(from, senderRound, Robustness.RankLimit))
        {
            reason = RejectionReason.Rank;
        }

        if (reason == RejectionReason.None)
        {
            return false;
        }

        Reject(round, reason);
        return true;
    }

    // True when peer is among the first limit peers of order(round) that this node counts as
    // candidates: active ones, itself, and the peer (whose activity this node may not have seen).
    private bool RanksWithin(PeerId peer, long round, int limit)
    {
        var rank = 0;
        var threshold = _options.InactivityThreshold;
        foreach (var candidate in _order.Order(round, View))
        {
            if (candidate == peer)
            {
                return true;
            }

            if (candidate == Self || View.IsActive(candidate, round, threshold))
            {
                if (++rank >= limit)
                {
                    return false;
                }
            }
        }

        return false;
    }

    // Validates a collected round (canonical order) and combines what passes, with how many
    // models passed; null when none did.
    private (ModelVector Model, int Used)? Combine(long round, IReadOnlyList<WeightedModel> models)
    {
        var outcome = _validator.Validate(models);
        foreach (var rejection in outcome.Rejections)
        {
            Reject(round, rejection.Reason);
        }

        if (outcome.Accepted.Count == 0)
        {
            return null;
        }

        var first = outcome.Accepted[0].Model;
        long samplesTrained = 0;
        foreach (var (model, samples) in outcome.Accepted)
        {
            samplesTrained = Math.Max(samplesTrained, model.SamplesTrained + (long)samples);
        }

        var parameters = new float[first.Length];
        var result = _rule.Aggregate(outcome.Accepted, parameters);
        return result.Ok
            ? (new ModelVector(first.LayoutId, parameters, samplesTrained), outcome.Accepted.Count)
            : throw new InvalidOperationException($"Validated models failed to aggregate: {result.Error}.");
    }

    // Trainer side with an aggregate defence: keep the round's aggregates, one per aggregator,
    // until all a arrived or the wait ran out, then train what ChooseStart makes of them.
    private void CollectAggregate(PeerId from, long round, ModelVector model)
    {
        if (_pendingAggregates is not { } pending || pending.Round != round)
        {
            DropPendingAggregates();
            pending = _pendingAggregates = new PendingAggregates(round);
            _effects.SetTimer(new TimerKey(TimerKind.AggregateWait, round), Robustness.AggregateWait);
        }

        pending.Models.TryAdd(from, model);
        if (pending.Models.Count >= _options.Aggregators)
        {
            TrainPendingAggregates(round);
        }
    }

    private void AggregateWaitOver(long round) => TrainPendingAggregates(round);

    private void TrainPendingAggregates(long round)
    {
        if (_pendingAggregates is not { } pending || pending.Round != round)
        {
            return;
        }

        DropPendingAggregates();
        if (round != TrainEstimate || _trainingRound >= round)
        {
            return;
        }

        var senders = pending.Models.Keys.Order().ToArray();
        var models = senders.Select(s => new WeightedModel(pending.Models[s], 1)).ToArray();
        var outcome = _validator.Validate(models);
        foreach (var rejection in outcome.Rejections)
        {
            Reject(round, rejection.Reason);
        }

        if (outcome.Accepted.Count == 0)
        {
            return;
        }

        var accepted = outcome.Accepted.Select(m => m.Model).ToArray();
        var start = ChooseStart(round, accepted);
        Observe(ObservationKind.AggregatesCombined, round, accepted.Length);
        BeginTraining(round, start, received: null);
    }

    // The model a trainer starts from, out of a round's validated aggregates: the one closest to
    // its reference (reference defence; the reference itself when all are refused), else their
    // coordinate-wise median (also the reference defence's choice for a node without a reference,
    // a newcomer that never trained).
    private ModelVector ChooseStart(long round, ModelVector[] accepted)
    {
        if (Robustness.KeepsReference && _reference is { } reference && reference.Length == accepted[0].Length)
        {
            var choice = ReferenceSelector.Choose(accepted, reference, Robustness.AggregateFarRatio, Robustness.AggregateMaxChange);
            foreach (var rejection in choice.Rejections)
            {
                Reject(round, rejection.Reason);
            }

            return choice.TrainsReference ? reference : accepted[choice.Chosen];
        }

        if (accepted.Length == 1)
        {
            return accepted[0];
        }

        var parameters = new float[accepted[0].Length];
        var weighted = accepted.Select(m => new WeightedModel(m, 1)).ToArray();
        MedianRule.Instance.Aggregate(weighted, parameters);
        return new ModelVector(accepted[0].LayoutId, parameters, accepted.Max(m => m.SamplesTrained));
    }

    /// <summary>
    /// The model the reference defence judges a round's aggregates against: the last this node
    /// trained or started training from. Null without that defence, or before the node trained.
    /// </summary>
    public ModelVector? Reference => Robustness.KeepsReference ? _reference : null;

    /// <summary>
    /// Gives a restarted node back its <see cref="Reference"/> (from its checkpoint), so it does
    /// not fall back to the median of the aggregates until it trains again. Ignored without the
    /// reference defence.
    /// </summary>
    public void RestoreReference(ModelVector model)
    {
        ArgumentNullException.ThrowIfNull(model);
        KeepReference(model);
    }

    private void KeepReference(ModelVector model)
    {
        if (Robustness.KeepsReference)
        {
            _reference = model;
        }
    }

    private void DropPendingAggregates()
    {
        if (_pendingAggregates is { } pending)
        {
            _effects.CancelTimer(new TimerKey(TimerKind.AggregateWait, pending.Round));
            _pendingAggregates = null;
        }
    }

    private void Reject(long round, RejectionReason reason) =>
        _effects.Observe(new ProtocolObservation(ObservationKind.ModelRejected, round, Reason: reason));

    private sealed class PendingAggregates(long round)
    {
        public long Round { get; } = round;

        public Dictionary<PeerId, ModelVector> Models { get; } = [];
    }
}
