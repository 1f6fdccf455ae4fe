namespace Decentral.Baselines;

/// <summary>
/// Parameters of the federated averaging baseline. The sample size is MoDeST's s
/// (<c>ModestOptions.SampleSize</c>), so both sample the same number of trainers per round.
/// </summary>
public sealed class FedAvgOptions
{
    /// <summary>The server stops waiting for trained models after this long. Default 300 s (MoDeST's aggregation timeout).</summary>
    public TimeSpan RoundTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>At the timeout, at least this many models are needed to aggregate; with fewer the round is resampled. Default 1.</summary>
    public int MinModels { get; set; } = 1;

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        BaselineChecks.Positive(errors, nameof(RoundTimeout), RoundTimeout);
        if (MinModels < 1)
        {
            errors.Add($"{nameof(MinModels)} must be at least 1 (got {MinModels}).");
        }

        return errors;
    }
}

/// <summary>Communication graphs of D-PSGD.</summary>
public static class DpsgdTopology
{
    /// <summary>One-peer exponential graph: in round k each node sends to the peer at offset 2^(k mod log2 N).</summary>
    public const string Exponential = "exponential";

    /// <summary>Ring: each node exchanges with its two neighbours.</summary>
    public const string Ring = "ring";

    /// <summary>k-regular circulant graph: each node exchanges with the k/2 nearest peers on each side.</summary>
    public const string Regular = "regular";
}

/// <summary>Parameters of the D-PSGD baseline.</summary>
public sealed class DpsgdOptions
{
    /// <summary>The graph: "exponential" (one-peer exponential, default), "ring" or "regular".</summary>
    public string Topology { get; set; } = DpsgdTopology.Exponential;

    /// <summary>Degree k of the "regular" topology (even, less than the node count). Default 4.</summary>
    public int Degree { get; set; } = 4;

    /// <summary>A node stops waiting for its in-neighbours' models after this long. Default 300 s.</summary>
    public TimeSpan RoundTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Topology is not (DpsgdTopology.Exponential or DpsgdTopology.Ring or DpsgdTopology.Regular))
        {
            errors.Add($"{nameof(Topology)} must be exponential, ring or regular (got \"{Topology}\").");
        }

        if (Degree < 2 || Degree % 2 != 0)
        {
            errors.Add($"{nameof(Degree)} must be even and at least 2 (got {Degree}).");
        }

        BaselineChecks.Positive(errors, nameof(RoundTimeout), RoundTimeout);
        return errors;
    }
}

/// <summary>Parameters of the Gossip Learning baseline.</summary>
public sealed class GossipOptions
{
    /// <summary>Each node pushes its model to one random peer this often. Default 60 s (the reference).</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        BaselineChecks.Positive(errors, nameof(Period), Period);
        return errors;
    }
}

/// <summary>
/// Parameters of the Epidemic Learning baseline. The fan-out is MoDeST's s
/// (<c>ModestOptions.SampleSize</c>).
/// </summary>
public sealed class EpidemicOptions
{
    /// <summary>
    /// After sending its model a node aggregates once it received s models or this long passed,
    /// whichever is first (in-degrees are random, so waiting for exactly s could stall). Default 10 s.
    /// </summary>
    public TimeSpan RoundWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        BaselineChecks.Positive(errors, nameof(RoundWait), RoundWait);
        return errors;
    }
}

internal static class BaselineChecks
{
    public static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (got {value}).");
        }
    }

    public static T EnsureValid<T>(T options, IReadOnlyList<string> errors, string what) =>
        errors.Count == 0 ? options : throw new ArgumentException($"Invalid {what} options: " + string.Join(" ", errors));
}
