using Decentral.Node.Runtime.Options;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>Every options section a node runs with (each validated by <see cref="NodeOptionsValidator"/>).</summary>
public sealed class NodeRuntimeOptions
{
    /// <summary>The `node` section.</summary>
    public NodeOptions Node { get; init; } = new();

    /// <summary>The `protocol` section: MoDeST's parameters, the same class a simulation scenario's protocol section binds to (the node's view, trainer and aggregator checks are on: every 30 s).</summary>
    public ModestOptions Protocol { get; init; } = new()
    {
        ViewCheckInterval = TimeSpan.FromSeconds(30),
        TrainerCheckInterval = TimeSpan.FromSeconds(30),
        AggregatorCheckInterval = TimeSpan.FromSeconds(30),
    };

    /// <summary>The `baselines` section: the baselines' parameters, the same class a simulation scenario's baselines section derives from.</summary>
    public Baselines.BaselineSettings Baselines { get; init; } = new();

    /// <summary>The `learning` section.</summary>
    public NodeLearningOptions Learning { get; init; } = new();

    /// <summary>The `founding` section.</summary>
    public FoundingOptions Founding { get; init; } = new();

    /// <summary>The `network` section.</summary>
    public NetworkOptions Network { get; init; } = new();

    /// <summary>Every validation failure of every section (empty when all are valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var validator = new NodeOptionsValidator();
        return
        [
            .. Failures(validator.Validate(null, Node)),
            .. Failures(validator.Validate(null, Protocol)),
            .. Failures(validator.Validate(null, Baselines)),
            .. Failures(validator.Validate(null, Learning)),
            .. Failures(validator.Validate(null, Founding)),
            .. Failures(validator.Validate(null, Network)),
            .. Across(),
        ];
    }

    // Rules between sections. The resume watch is the last resort: a trainer whose aggregator died
    // holds its round until protocol:ackTimeout and then fails over, which moves the session again;
    // a watch that fired first would start a round beside the one that is recovering.
    private IEnumerable<string> Across()
    {
        if (Node.Algorithm == "modest" && Founding.ResumeAfter > TimeSpan.Zero && Founding.ResumeAfter <= Protocol.AckTimeout)
        {
            yield return $"founding:resumeAfter ({Founding.ResumeAfter}) must be longer than protocol:ackTimeout ({Protocol.AckTimeout}), or 00:00:00 (off): a session resumes only when no trainer's failover would move it";
        }
    }

    private static IEnumerable<string> Failures(Microsoft.Extensions.Options.ValidateOptionsResult result) => result.Failed ? result.Failures ?? [] : [];
}

/// <summary>Where a node is in its life.</summary>
public enum NodePhase
{
    /// <summary>Created, not started.</summary>
    Created,

    /// <summary>Listening, gathering members before it founds or joins the session.</summary>
    Gathering,

    /// <summary>Taking part in the protocol.</summary>
    Running,

    /// <summary>Stopped (gracefully or after a failure).</summary>
    Stopped,
}

/// <summary>Why a start failed and which exit code that means (2: a setting or file the user can fix; 1: the environment).</summary>
/// <param name="Message">What went wrong, naming the key or file.</param>
/// <param name="ExitCode">2 for bad input (config, identity, data, data directory in use), 1 for runtime failures (cannot listen).</param>
public sealed record StartFailure(string Message, int ExitCode);
