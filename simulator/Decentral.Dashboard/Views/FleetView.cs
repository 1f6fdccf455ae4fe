namespace Decentral.Dashboard.Views;

/// <summary>
/// What the node and fleet pages draw, merged by wall time over the fleet's nodes (a node's page
/// is the view of a fleet of one). Points are arrays: [unix_s, value, ...] as named per series.
/// Serialized with snake_case names.
/// </summary>
internal sealed record FleetView
{
    /// <summary>The fleet's or node's name.</summary>
    public required string Name { get; init; }

    /// <summary>"fleet" or "node".</summary>
    public required string Kind { get; init; }

    /// <summary>The server's clock when the view was built, seconds since the Unix epoch.</summary>
    public required double NowUnixS { get; init; }

    /// <summary>The message kinds, in the order of <see cref="NodeSummary.BytesByKind"/>.</summary>
    public required IReadOnlyList<string> Kinds { get; init; }

    /// <summary>The nodes, in natural name order; other series refer to them by index.</summary>
    public required IReadOnlyList<NodeSummary> Nodes { get; init; }

    /// <summary>Evaluated aggregates: [unix_s, accuracy, node, round].</summary>
    public required IReadOnlyList<double[]> Accuracy { get; init; }

    /// <summary>Trainer rows: [unix_s, training loss, node, round].</summary>
    public required IReadOnlyList<double[]> TrainingLoss { get; init; }

    /// <summary>Rounds first aggregated in each wall-clock minute: [minute start unix_s, rounds].</summary>
    public required IReadOnlyList<double[]> RoundsPerMinute { get; init; }

    /// <summary>Who trained and aggregated each round (the last <see cref="FleetViewBuilder.MaxRounds"/> rounds).</summary>
    public required IReadOnlyList<RoundParticipation> Rounds { get; init; }

    /// <summary>Nodes running over time, a step series: [unix_s, nodes running from then on].</summary>
    public required IReadOnlyList<double[]> Running { get; init; }

    /// <summary>Per node: bytes it sent since it was first seen, [unix_s, cumulative bytes].</summary>
    public required IReadOnlyList<IReadOnlyList<double[]>> Traffic { get; init; }

    /// <summary>Per node: its view size, [unix_s, records].</summary>
    public required IReadOnlyList<IReadOnlyList<double[]>> Views { get; init; }

    /// <summary>The round checks' outcomes, in the order of <see cref="Checks"/> (telemetry's <c>checks</c> names).</summary>
    public required IReadOnlyList<string> CheckNames { get; init; }

    /// <summary>Per check outcome: peers the round checks of all nodes found so far, [unix_s, cumulative], first row to last.</summary>
    public required IReadOnlyList<IReadOnlyList<double[]>> Checks { get; init; }
}

/// <summary>One node of a fleet view.</summary>
internal sealed record NodeSummary
{
    /// <summary>The node's name in the dashboard ("fleet/node-0", or the folder of a lone node).</summary>
    public required string Name { get; init; }

    /// <summary>Its peer id (node.json, else its rows); empty when unknown.</summary>
    public required string PeerId { get; init; }

    /// <summary>The partition index it announces, -1 when unknown.</summary>
    public required int Slot { get; init; }

    /// <summary>"running", "stopped", "not responding" (node.json says running but was not refreshed for <see cref="FleetViewBuilder.StaleAfter"/>) or "no status".</summary>
    public required string State { get; init; }

    /// <summary>node.json: when the current session started; null without node.json.</summary>
    public double? StartedUnixS { get; init; }

    /// <summary>node.json: when it was last refreshed.</summary>
    public double? UpdatedUnixS { get; init; }

    /// <summary>node.json: the session the node runs in; empty when unknown.</summary>
    public string Session { get; init; } = "";

    /// <summary>node.json: where the node is ("gathering", "running", "stopped"); empty when not written.</summary>
    public string Phase { get; init; } = "";

    /// <summary>node.json: process id, 0 when unknown.</summary>
    public int Pid { get; init; }

    /// <summary>node.json: listen multiaddrs.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>node.json: announced multiaddrs.</summary>
    public IReadOnlyList<string> Announce { get; init; } = [];

    /// <summary>Telemetry rows so far.</summary>
    public int Rows { get; init; }

    /// <summary>Rounds it aggregated.</summary>
    public int Aggregated { get; init; }

    /// <summary>Rounds it trained.</summary>
    public int Trained { get; init; }

    /// <summary>The highest round in its rows (0 before any).</summary>
    public long LastRound { get; init; }

    /// <summary>Accuracy of its latest evaluated aggregate.</summary>
    public double? Accuracy { get; init; }

    /// <summary>Bytes it sent, over all its sessions.</summary>
    public long Bytes { get; init; }

    /// <summary>Bytes it sent per message kind (order of <see cref="FleetView.Kinds"/>).</summary>
    public IReadOnlyList<long> BytesByKind { get; init; } = [];

    /// <summary>Models it refused before aggregating (any reason: layout, non-finite, norm, ...).</summary>
    public long Refused { get; init; }

    /// <summary>Its latest view size.</summary>
    public int ViewSize { get; init; }

    /// <summary>Its sessions: [start unix_s, end unix_s], the last one ending now while it runs.</summary>
    public IReadOnlyList<double[]> Sessions { get; init; } = [];
}

/// <summary>One round: when it was first aggregated (or trained), and by which nodes (indices into <see cref="FleetView.Nodes"/>).</summary>
internal sealed record RoundParticipation(long Round, double UnixS, IReadOnlyList<int> Aggregators, IReadOnlyList<int> Trainers);
