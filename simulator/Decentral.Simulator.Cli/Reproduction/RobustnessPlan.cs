using Decentral.Aggregation;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>A defence of the robustness suite: its id, what the table calls it, and the options it sets.</summary>
/// <param name="Id">File-name-safe id ("median").</param>
/// <param name="Label">Column heading.</param>
/// <param name="Apply">Sets the protocol options.</param>
public sealed record Defence(string Id, string Label, Action<ModestOptions> Apply);

/// <summary>
/// The robustness suite (<c>reproduce --suite robustness</c>): MoDeST on MNIST, IID and Dirichlet
/// 0.1, every trainer attack at f = 10, 20 and 30% against every defence, next to the attack-free
/// runs with each defence, and a Byzantine aggregator at the same fractions with a = 1, a = 3,
/// a = 3 with the trainers' median, and the trainers' reference defence with a = 1 and a = 3. Quick mode trains softmax regression (20 virtual minutes);
/// full mode trains LeNet-5 (30 minutes) on the headline rows only, f = 20%, because the whole
/// matrix with LeNet-5 would take about nine hours of one core (see the reproduction README).
/// </summary>
public static class RobustnessPlan
{
    /// <summary>The trainer attacks, by id (as in experiment ids) and scenario kind.</summary>
    public static IReadOnlyList<(string Id, string Kind)> TrainerAttacks { get; } =
    [
        ("signflip", AttackKinds.SignFlip),
        ("noise", AttackKinds.Noise),
        ("scaling", AttackKinds.Scaling),
        ("labelflip", AttackKinds.LabelFlip),
        ("alie", AttackKinds.Alie),
    ];

    /// <summary>
    /// The defences, in table order. The trimmed mean cuts 3 of 10 at each end and Krum assumes
    /// f = 3, so both cover up to 30% of a round's models; multi-Krum averages the 5 best.
    /// </summary>
    public static IReadOnlyList<Defence> Defences { get; } =
    [
        new("mean", "mean (none)", _ => { }),
        new("median", "median", o => o.Robustness.Rule = AggregationRules.Median),
        new("trimmed", "trimmed mean 0.3", o =>
        {
            o.Robustness.Rule = AggregationRules.TrimmedMean;
            o.Robustness.TrimFraction = 0.3;
        }),
        new("clipped", "clipped mean", o => o.Robustness.Rule = AggregationRules.ClippedMean),
        new("krum", "multi-Krum f=3 m=5", o =>
        {
            o.Robustness.Rule = AggregationRules.Krum;
            o.Robustness.KrumByzantine = 3;
            o.Robustness.KrumSelect = 5;
        }),
        new("norm", "norm bound 3x + mean", o => o.Robustness.MaxNormRatio = 3),
    ];

    /// <summary>
    /// The reference defence's change bound with one aggregator (aggregateMaxChange): chosen from
    /// a sweep of 1, 1.5, 1.75 and 1.9 (see the reproduction README); a negated aggregate of a model
    /// near the trainer's is about 2 × its norm away.
    /// </summary>
    public const double ChangeBound = 1.5;

    /// <summary>
    /// The Byzantine-aggregator configurations: a = 1, a = 3 (trainers take the first aggregate),
    /// a = 3 with the median defence, and the reference defence with a = 1 (with the change bound,
    /// its only check) and a = 3 (the closest aggregate to the trainer's last model, without and
    /// with the bound).
    /// </summary>
    public static IReadOnlyList<Defence> AggregatorSetups { get; } =
    [
        new("a1", "a = 1", o => o.Aggregators = 1),
        new("a3", "a = 3, first aggregate", o => o.Aggregators = 3),
        new("a3median", "a = 3, median of aggregates", o =>
        {
            o.Aggregators = 3;
            o.Robustness.AggregateDefence = AggregateDefences.Median;
        }),
        new("a1ref", "a = 1, reference + change bound 1.5", o =>
        {
            o.Aggregators = 1;
            o.Robustness.AggregateDefence = AggregateDefences.Reference;
            o.Robustness.AggregateMaxChange = ChangeBound;
        }),
        new("a3ref", "a = 3, reference", o =>
        {
            o.Aggregators = 3;
            o.Robustness.AggregateDefence = AggregateDefences.Reference;
        }),
        new("a3refbound", "a = 3, reference + change bound 1.5", o =>
        {
            o.Aggregators = 3;
            o.Robustness.AggregateDefence = AggregateDefences.Reference;
            o.Robustness.AggregateMaxChange = ChangeBound;
        }),
    ];

    /// <summary>
    /// The Byzantine aggregator attacks: the suite's id, what the aggregator sends instead of its
    /// aggregate (attack.aggregatePoison) and the report's name for it. The negation runs at every
    /// fraction, the others at 20% only.
    /// </summary>
    public static IReadOnlyList<(string Attack, string Poison, string Label)> AggregatorAttacks { get; } =
    [
        ("aggregator", AggregatePoisons.Negate, "negated"),
        ("aggregator-scale", AggregatePoisons.Scale, "x 10"),
        ("aggregator-noise", AggregatePoisons.Noise, "+ N(0, 1)"),
    ];

    /// <summary>Attacker fractions of each mode.</summary>
    public static IReadOnlyList<double> Fractions(bool quick) => quick ? [0.1, 0.2, 0.3] : [0.2];

    /// <summary>Every experiment of the chosen mode, each with <paramref name="seeds"/> seeds, the seeds of one experiment next to each other.</summary>
    public static List<Experiment> Create(bool quick, int seeds = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        var list = new List<Experiment>();
        foreach (var (split, alpha) in new[] { ("iid", 0.0), ("dir0.1", 0.1) })
        {
            var group = $"byz-mnist-{split}";
            foreach (var defence in Defences)
            {
                list.AddRange(Seeded(seeds, seed => Make(group, "clean", 0, defence, AttackKinds.None, alpha, quick, seed)));
            }

            foreach (var fraction in Fractions(quick))
            {
                foreach (var (attack, kind) in TrainerAttacks)
                {
                    foreach (var defence in Defences)
                    {
                        list.AddRange(Seeded(seeds, seed => Make(group, attack, fraction, defence, kind, alpha, quick, seed)));
                    }
                }
            }

            foreach (var setup in AggregatorSetups.Skip(2))
            {
                list.AddRange(Seeded(seeds, seed => Make(group, "clean", 0, setup, AttackKinds.None, alpha, quick, seed)));
            }

            foreach (var fraction in Fractions(quick))
            {
                foreach (var setup in AggregatorSetups)
                {
                    list.AddRange(Seeded(seeds, seed => Make(group, "aggregator", fraction, setup, AttackKinds.Aggregator, alpha, quick, seed)));
                }
            }

            foreach (var (attack, poison, _) in AggregatorAttacks.Skip(1))
            {
                foreach (var setup in AggregatorSetups)
                {
                    list.AddRange(Seeded(seeds, seed => Make(group, attack, 0.2, setup, AttackKinds.Aggregator, alpha, quick, seed, poison)));
                }
            }
        }

        return list;
    }

    private static IEnumerable<Experiment> Seeded(int seeds, Func<int, Experiment> make) =>
        Enumerable.Range(ReproductionPlan.FirstSeed, seeds).Select(make);

    private static Experiment Make(string group, string attack, double fraction, Defence defence, string kind, double alpha, bool quick, int seed, string poison = AggregatePoisons.Negate)
    {
        var percent = (int)Math.Round(fraction * 100);
        var id = $"{group}-{attack}{(percent > 0 ? percent.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}-{defence.Id}";
        var scenario = new Scenario
        {
            Name = id,
            Seed = seed,
            Algorithm = "modest",
            Nodes = 100,
            Stop = new StopSection { Rounds = 100_000, Time = TimeSpan.FromMinutes(quick ? 20 : 30) },
            Learning = new LearningOptions
            {
                Task = "mnist",
                Model = quick ? "softmax" : "lenet",
                Alpha = alpha,
                LearningRate = quick ? 0.05 : 0.1,
                BatchSize = 20,
                LocalSteps = 5,
                EvalEveryRounds = quick ? 1 : 6,
            },
            Attack = new AttackSection { Kind = kind, Fraction = kind == AttackKinds.None ? 0.2 : fraction, AggregatePoison = poison },
        };
        defence.Apply(scenario.Protocol);
        return new Experiment(id, group, "modest", scenario) { Attack = attack, Fraction = fraction, Defence = defence.Id };
    }
}
