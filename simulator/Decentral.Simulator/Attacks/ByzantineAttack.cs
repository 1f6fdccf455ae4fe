using Decentral.Learning;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Attacks;

/// <summary>
/// The Byzantine peers of a run and what they do to the models they send. The protocol core stays
/// honest on every node: an attacker's trained model is replaced after its (honest) trainer
/// returns, before the core sends it, and a Byzantine aggregator's aggregate is replaced on its way
/// out (<see cref="SimNodeHost"/>); label flipping is data-side (<see cref="LabelFlipping"/>).
/// </summary>
/// <remarks>
/// Attackers: round(fraction × node slots) slots, drawn from the scenario seed, the same for every
/// run with that seed. Per attack, with u = trained − start the attacker's honest update:
/// signFlip sends start − factor·u; scaling start + factor·u; noise trained + N(0, sigma²) per
/// parameter (seeded by slot and round); alie the coordinate-wise mean of the round's honest
/// models minus z of their standard deviations (an omniscient attacker: it knows what the honest
/// trainers of its round, which started from the same aggregate, send); aggregator sends, instead
/// of its aggregate M (it trains honestly), −M, factor·M or M + N(0, sigma²) per parameter
/// (seeded by slot and round), as attack.aggregatePoison says.
/// </remarks>
public sealed class ByzantineAttack
{
    private readonly AttackSection _attack;
    private readonly bool[] _attackers;
    private readonly int _seed;

    /// <summary>The attack of <paramref name="scenario"/> over its node slots.</summary>
    public ByzantineAttack(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _attack = scenario.Attack;
        _seed = scenario.Seed;
        _attackers = new bool[ScenarioLearning.Slots(scenario)];
        foreach (var slot in Attackers(scenario))
        {
            _attackers[slot] = true;
        }
    }

    /// <summary>True when the run has attackers.</summary>
    public bool Active => _attack.Active;

    /// <summary>The attack's kind (<see cref="AttackKinds"/>).</summary>
    public string Kind => _attack.Kind;

    /// <summary>How many node slots attack in <paramref name="scenario"/>.</summary>
    public static int AttackerCount(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Attack.Active ? (int)Math.Round(scenario.Attack.Fraction * ScenarioLearning.Slots(scenario), MidpointRounding.AwayFromZero) : 0;
    }

    /// <summary>The attacking node slots of <paramref name="scenario"/>, fixed by its seed.</summary>
    public static IReadOnlySet<int> Attackers(Scenario scenario)
    {
        var slots = Enumerable.Range(0, ScenarioLearning.Slots(scenario)).ToArray();
        new Random(ModestRun.DeriveSeed(scenario.Seed, "attackers")).Shuffle(slots);
        return slots.Take(AttackerCount(scenario)).ToHashSet();
    }

    /// <summary>True when slot <paramref name="slot"/> is an attacker.</summary>
    public bool IsAttacker(int slot) => _attackers[slot];

    /// <summary>True when slot <paramref name="slot"/> replaces the models it trains.</summary>
    public bool PoisonsTraining(int slot) =>
        _attackers[slot] && _attack.Kind is AttackKinds.SignFlip or AttackKinds.Noise or AttackKinds.Scaling or AttackKinds.Alie;

    /// <summary>True when slot <paramref name="slot"/> replaces the aggregates it sends.</summary>
    public bool PoisonsAggregates(int slot) => _attackers[slot] && _attack.Kind == AttackKinds.Aggregator;

    /// <summary>True when the attack needs the honest models of the attacker's round.</summary>
    public bool NeedsHonestModels => _attack.Kind == AttackKinds.Alie;

    /// <summary>
    /// The model attacker <paramref name="slot"/> sends instead of <paramref name="trained"/>
    /// (trained from <paramref name="start"/> for <paramref name="round"/>); <paramref name="honest"/>
    /// gives the honest models of the round (asked for by alie only).
    /// </summary>
    public ModelVector PoisonTrained(int slot, long round, ModelVector start, ModelVector trained, Func<IReadOnlyList<ModelVector>> honest)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(honest);
        var s = start.Parameters;
        var t = trained.Parameters;
        var poisoned = new float[t.Length];
        switch (_attack.Kind)
        {
            case AttackKinds.SignFlip:
                for (var i = 0; i < t.Length; i++)
                {
                    poisoned[i] = (float)(s[i] - (_attack.Factor * ((double)t[i] - s[i])));
                }

                break;
            case AttackKinds.Scaling:
                for (var i = 0; i < t.Length; i++)
                {
                    poisoned[i] = (float)(s[i] + (_attack.Factor * ((double)t[i] - s[i])));
                }

                break;
            case AttackKinds.Noise:
                AddNoise(t, "attack-noise", slot, round, poisoned);
                break;
            case AttackKinds.Alie:
                LittleIsEnough(honest(), trained, poisoned);
                break;
            default:
                throw new InvalidOperationException($"Attack '{_attack.Kind}' does not replace trained models.");
        }

        return new ModelVector(trained.LayoutId, poisoned, trained.SamplesTrained);
    }

    /// <summary>What Byzantine aggregator <paramref name="slot"/> sends instead of <paramref name="aggregate"/>, the aggregate of <paramref name="round"/>.</summary>
    public ModelVector PoisonAggregate(int slot, long round, ModelVector aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var m = aggregate.Parameters;
        var poisoned = new float[m.Length];
        switch (_attack.AggregatePoison)
        {
            case AggregatePoisons.Scale:
                for (var i = 0; i < m.Length; i++)
                {
                    poisoned[i] = (float)(_attack.Factor * m[i]);
                }

                break;
            case AggregatePoisons.Noise:
                AddNoise(m, "aggregate-noise", slot, round, poisoned);
                break;
            default:
                for (var i = 0; i < m.Length; i++)
                {
                    poisoned[i] = -m[i];
                }

                break;
        }

        return new ModelVector(aggregate.LayoutId, poisoned, aggregate.SamplesTrained);
    }

    // values + N(0, sigma²) per parameter into `poisoned`, from a stream seeded by the run, the slot and the round.
    private void AddNoise(float[] values, string stream, int slot, long round, float[] poisoned)
    {
        var random = new Random(Seeds.Derive(ModestRun.DeriveSeed(_seed, stream, slot), round));
        for (var i = 0; i < values.Length; i++)
        {
            poisoned[i] = (float)(values[i] + (_attack.Sigma * RandomDraws.StandardNormal(random)));
        }
    }

    // Mean minus z standard deviations per coordinate over the honest models of the round (with
    // fewer than two of them, the attacker's own honest model joins them).
    private void LittleIsEnough(IReadOnlyList<ModelVector> honest, ModelVector own, float[] poisoned)
    {
        var models = honest.Count >= 2 ? honest : [.. honest, own];
        var n = models.Count;
        for (var i = 0; i < poisoned.Length; i++)
        {
            double sum = 0;
            foreach (var m in models)
            {
                sum += m.Parameters[i];
            }

            var mean = sum / n;
            double squares = 0;
            foreach (var m in models)
            {
                var d = m.Parameters[i] - mean;
                squares += d * d;
            }

            poisoned[i] = (float)(mean - (_attack.Z * Math.Sqrt(squares / n)));
        }
    }
}
