using Decentral.Aggregation;

namespace Decentral.Protocol;

/// <summary>
/// How a MoDeST node defends itself against poisoned models (<c>protocol.robustness</c> in a
/// scenario, the same section in the node config): the checks a trained model must pass before an
/// aggregator uses it, the rule that combines the models that pass, and what a trainer does with
/// the aggregates of a round when there are several aggregators (a &gt; 1). The defaults change
/// nothing: every check that could refuse an honest model is off and the rule is the weighted
/// mean, as in the reference implementation.
/// </summary>
/// <remarks>
/// The "norm" of a model is its L2 distance from the coordinate-wise median of the round's models
/// (see <see cref="ModelValidator"/>): an aggregator does not hold the model its trainers started
/// from, so this is the closest it can see to the size of their updates, and it is the same for
/// models and for deltas against one shared base.
/// </remarks>
public sealed class RobustnessOptions
{
    /// <summary>
    /// The aggregation rule (<see cref="AggregationRules"/>): "mean" (weighted by sample counts,
    /// the default), "median" (coordinate-wise), "trimmedMean", "clippedMean" or "krum" (multi-Krum
    /// when <see cref="KrumSelect"/> &gt; 1).
    /// </summary>
    public string Rule { get; set; } = AggregationRules.Mean;

    /// <summary>
    /// Trimmed mean: the fraction of the models cut at each end of every coordinate before
    /// averaging, in [0, 0.5). floor(fraction × n) models go at each end (at most (n − 1) / 2, so at
    /// least one value stays). Default 0.2.
    /// </summary>
    public double TrimFraction { get; set; } = 0.2;

    /// <summary>
    /// Clipped mean: each model's distance from the round's coordinate-wise median is clipped to
    /// this many times the median of those distances before averaging (centred clipping), unless
    /// <see cref="ClipNorm"/> is set. Default 1.
    /// </summary>
    public double ClipRatio { get; set; } = 1;

    /// <summary>Clipped mean: an absolute clipping radius (L2) instead of <see cref="ClipRatio"/>; 0 (default) = relative.</summary>
    public double ClipNorm { get; set; }

    /// <summary>
    /// Krum: the number f of Byzantine models it tolerates; a model's score sums its squared
    /// distances to its n − f − 2 nearest others (at least one). Default 2.
    /// </summary>
    public int KrumByzantine { get; set; } = 2;

    /// <summary>Krum: how many of the best-scored models are averaged (1 = Krum, more = multi-Krum). Default 1.</summary>
    public int KrumSelect { get; set; } = 1;

    /// <summary>Validation: refuse models with a NaN or infinite parameter. Default true (an honest model never has one).</summary>
    public bool RejectNonFinite { get; set; } = true;

    /// <summary>Validation: refuse models whose norm (distance from the round's median) exceeds this; 0 (default) = no absolute bound.</summary>
    public double MaxNorm { get; set; }

    /// <summary>
    /// Validation: refuse models whose norm exceeds this many times the median norm of the round's
    /// models (needs 3 models or more to refuse anything); 0 (default) = no relative bound.
    /// </summary>
    public double MaxNormRatio { get; set; }

    /// <summary>
    /// Round consistency: ignore a model tagged more than this many rounds beyond this node's round
    /// estimate (a far-future tag would otherwise make the node discard every real round);
    /// 0 (default) = no limit. Set it well above N / s, the rounds a peer may sleep between samples.
    /// </summary>
    public int MaxRoundsAhead { get; set; }

    /// <summary>
    /// Round consistency: a trained model tagged k must come from a peer among the first this many
    /// active peers of order(k − 1) in this node's view (it could have trained round k − 1), and an
    /// aggregate of round k from one among the first this many of order(k) (it could have
    /// aggregated it); 0 (default) = anyone may send. Views differ a little between peers and
    /// silent peers push live ones down the order, so leave room: at least 2 × s.
    /// </summary>
    public int RankLimit { get; set; }

    /// <summary>
    /// Trainer side: "none" (default, as the reference: train the first aggregate that arrives);
    /// "median" (a &gt; 1): wait for the round's a aggregates (at most <see cref="AggregateWait"/>)
    /// and train their coordinate-wise median, which an honest majority of the round's aggregators
    /// decides; "reference" (any a): wait the same way, then train the aggregate closest to this
    /// node's reference model (the model it trained last), refusing one that moved further from it
    /// than <see cref="AggregateMaxChange"/> allows (see <see cref="ReferenceSelector"/>).
    /// </summary>
    public string AggregateDefence { get; set; } = AggregateDefences.None;

    /// <summary>How long a trainer with an aggregate defence waits for the other aggregates of a round after the first. Default 10 s.</summary>
    public TimeSpan AggregateWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reference defence, telemetry only: an aggregate not chosen and further from the reference
    /// than this many times the chosen one is counted as refused (<c>aggregate_far</c>); nearer
    /// ones are honest copies. At least 1. Default 1.5.
    /// </summary>
    public double AggregateFarRatio { get; set; } = 1.5;

    /// <summary>
    /// Reference defence: refuse an aggregate whose distance from the reference exceeds this many
    /// times the reference's L2 norm (<c>aggregate_change</c>); when every aggregate of the round is
    /// refused the trainer trains its reference instead, so the round goes on without the poisoned
    /// model. 0 (default) = no bound; with a = 1 it is the only check there is. A negated aggregate
    /// of a model near the reference is about 2 × its norm away, an honest one much less.
    /// </summary>
    public double AggregateMaxChange { get; set; }

    /// <summary>True when a trainer combines the aggregates of a round instead of training the first.</summary>
    public bool DefendsAggregates => AggregateDefence != AggregateDefences.None;

    /// <summary>True when a trainer judges aggregates against its own last model (<see cref="AggregateDefences.Reference"/>).</summary>
    public bool KeepsReference => AggregateDefence == AggregateDefences.Reference;

    /// <summary>True when a trainer with <paramref name="aggregators"/> aggregators per round collects the round's aggregates before training.</summary>
    public bool CollectsAggregates(int aggregators) => KeepsReference || (DefendsAggregates && aggregators > 1);

    /// <summary>Every problem with these options, each starting with the field's name; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!AggregationRules.Names.Contains(Rule))
        {
            errors.Add($"{nameof(Rule)} must be one of {string.Join(", ", AggregationRules.Names)} (got \"{Rule}\").");
        }

        if (!(TrimFraction >= 0 && TrimFraction < 0.5))
        {
            errors.Add($"{nameof(TrimFraction)} must be in [0, 0.5) (got {TrimFraction}).");
        }

        if (!(ClipRatio > 0 && double.IsFinite(ClipRatio)))
        {
            errors.Add($"{nameof(ClipRatio)} must be positive (got {ClipRatio}).");
        }

        RequireBound(errors, nameof(ClipNorm), ClipNorm);
        if (KrumByzantine < 0)
        {
            errors.Add($"{nameof(KrumByzantine)} must not be negative (got {KrumByzantine}).");
        }

        if (KrumSelect < 1)
        {
            errors.Add($"{nameof(KrumSelect)} must be at least 1 (got {KrumSelect}).");
        }

        RequireBound(errors, nameof(MaxNorm), MaxNorm);
        RequireBound(errors, nameof(MaxNormRatio), MaxNormRatio);
        if (MaxNormRatio is > 0 and < 1)
        {
            errors.Add($"{nameof(MaxNormRatio)} must be 0 (off) or at least 1, or it refuses half of every honest round (got {MaxNormRatio}).");
        }

        if (MaxRoundsAhead < 0)
        {
            errors.Add($"{nameof(MaxRoundsAhead)} must not be negative (got {MaxRoundsAhead}).");
        }

        if (RankLimit < 0)
        {
            errors.Add($"{nameof(RankLimit)} must not be negative (got {RankLimit}).");
        }

        if (!AggregateDefences.Names.Contains(AggregateDefence))
        {
            errors.Add($"{nameof(AggregateDefence)} must be one of {string.Join(", ", AggregateDefences.Names)} (got \"{AggregateDefence}\").");
        }

        if (!(AggregateFarRatio >= 1 && double.IsFinite(AggregateFarRatio)))
        {
            errors.Add($"{nameof(AggregateFarRatio)} must be at least 1 (got {AggregateFarRatio}).");
        }

        RequireBound(errors, nameof(AggregateMaxChange), AggregateMaxChange);

        if (AggregateWait <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(AggregateWait)} must be positive (got {AggregateWait}).");
        }

        return errors;
    }

    /// <summary>The rule these options select.</summary>
    public IAggregationRule CreateRule() => AggregationRules.Create(this);

    /// <summary>The validator these options configure.</summary>
    public ModelValidator CreateValidator() => new(RejectNonFinite, MaxNorm, MaxNormRatio);

    private static void RequireBound(List<string> errors, string name, double value)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            errors.Add($"{name} must be 0 (off) or a positive number (got {value}).");
        }
    }
}

/// <summary>What a trainer does with the aggregates of a round (<see cref="RobustnessOptions.AggregateDefence"/>).</summary>
public static class AggregateDefences
{
    /// <summary>Train the first aggregate that arrives (the reference behaviour).</summary>
    public const string None = "none";

    /// <summary>Train the coordinate-wise median of the round's aggregates.</summary>
    public const string Median = "median";

    /// <summary>Train the round's aggregate closest to this node's own last model (bounded by <see cref="RobustnessOptions.AggregateMaxChange"/>).</summary>
    public const string Reference = "reference";

    /// <summary>Every defence.</summary>
    public static IReadOnlyList<string> Names { get; } = [None, Median, Reference];
}
