namespace Decentral.Telemetry;

/// <summary>What a node did in the round of one of its telemetry rows (JSON field <c>role</c>).</summary>
public enum NodeRole
{
    /// <summary>The node aggregated the round's models ("aggregator").</summary>
    Aggregator,

    /// <summary>The node trained a model for the round ("trainer"); the row's loss is the training loss.</summary>
    Trainer,
}
