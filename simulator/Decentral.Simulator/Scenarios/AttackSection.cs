namespace Decentral.Simulator.Scenarios;

/// <summary>
/// Byzantine peers of a scenario (the <c>attack</c> section): which attack, and how many of the
/// node slots run it. The attackers are fixed from the scenario seed; everything else about them
/// is the honest protocol (they answer pings, train when sampled, keep the view). MoDeST only.
/// </summary>
public sealed class AttackSection
{
    /// <summary>
    /// The attack (<see cref="AttackKinds"/>): "none" (default), "signFlip", "noise", "scaling",
    /// "labelFlip", "alie" (trainer attacks) or "aggregator" (a Byzantine aggregator).
    /// </summary>
    public string Kind { get; set; } = AttackKinds.None;

    /// <summary>Fraction of the node slots that attack, in [0, 1): round(fraction × slots) of them, drawn from the seed. Default 0.2.</summary>
    public double Fraction { get; set; } = 0.2;

    /// <summary>
    /// signFlip: an attacker sends start − factor × (trained − start), its update reversed and
    /// multiplied; scaling: start + factor × (trained − start). Default 10.
    /// </summary>
    public double Factor { get; set; } = 10;

    /// <summary>noise: the standard deviation of the Gaussian noise added to every parameter of the trained model. Default 1.</summary>
    public double Sigma { get; set; } = 1;

    /// <summary>
    /// alie ("a little is enough", Baruch et al. 2019): every coordinate is set to the honest
    /// models' mean minus this many of their standard deviations. Default 1.
    /// </summary>
    public double Z { get; set; } = 1;

    /// <summary>
    /// aggregator: what a Byzantine aggregator sends instead of its aggregate M (<see cref="AggregatePoisons"/>):
    /// "negate" (default) −M; "scale" factor × M; "noise" M + N(0, sigma²) per parameter.
    /// </summary>
    public string AggregatePoison { get; set; } = AggregatePoisons.Negate;

    /// <summary>True when the scenario has attackers.</summary>
    public bool Active => Kind != AttackKinds.None;
}

/// <summary>The attacks of <see cref="AttackSection.Kind"/>.</summary>
public static class AttackKinds
{
    /// <summary>No attack.</summary>
    public const string None = "none";

    /// <summary>The update reversed and multiplied by the factor.</summary>
    public const string SignFlip = "signFlip";

    /// <summary>Gaussian noise of standard deviation sigma on every parameter.</summary>
    public const string Noise = "noise";

    /// <summary>The update multiplied by the factor.</summary>
    public const string Scaling = "scaling";

    /// <summary>Data poisoning: the attacker trains honestly on its samples with flipped labels.</summary>
    public const string LabelFlip = "labelFlip";

    /// <summary>"A little is enough": the honest mean minus z standard deviations, coordinate-wise.</summary>
    public const string Alie = "alie";

    /// <summary>A Byzantine aggregator: it trains honestly and sends a poisoned aggregate to the sample (<see cref="AttackSection.AggregatePoison"/>).</summary>
    public const string Aggregator = "aggregator";

    /// <summary>Every kind.</summary>
    public static IReadOnlyList<string> All { get; } = [None, SignFlip, Noise, Scaling, LabelFlip, Alie, Aggregator];
}

/// <summary>What a Byzantine aggregator sends (<see cref="AttackSection.AggregatePoison"/>).</summary>
public static class AggregatePoisons
{
    /// <summary>The negated aggregate.</summary>
    public const string Negate = "negate";

    /// <summary>The aggregate times the attack's factor.</summary>
    public const string Scale = "scale";

    /// <summary>The aggregate plus Gaussian noise of the attack's sigma on every parameter.</summary>
    public const string Noise = "noise";

    /// <summary>Every poison.</summary>
    public static IReadOnlyList<string> All { get; } = [Negate, Scale, Noise];
}
