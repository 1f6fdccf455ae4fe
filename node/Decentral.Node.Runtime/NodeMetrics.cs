using System.Diagnostics.Metrics;
using Decentral.Libp2p.Host;
using Decentral.Wire;

namespace Decentral.Node.Runtime;

/// <summary>
/// The node's own metrics (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), next to the
/// libp2p host's (<see cref="Libp2pMetrics"/>): ready for an OpenTelemetry exporter or
/// <c>dotnet-counters monitor -n decentral-node --counters Decentral.Node</c>.
/// </summary>
public static class NodeMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Decentral.Node";

    /// <summary>
    /// Counter: protocol messages refused because they did not decode or validate (tags: <c>path</c>,
    /// <c>message</c> for the message protocol or <c>gossip</c> for adverts on the session topic;
    /// <c>reason</c>, the snake_case name of the <see cref="DecodeError"/>).
    /// </summary>
    public const string MessagesRejected = "decentral.node.messages.rejected";

    /// <summary>
    /// Counter: what the liveness checks of a round's other side found (tag <c>outcome</c>):
    /// <c>aggregator_silent</c> and <c>aggregator_restarted</c> (the trainer's aggregator check failed
    /// over from an aggregator), <c>trainers_silent</c> (one per silent trainer),
    /// <c>trainer_not_sampled</c> and <c>trainer_sent_elsewhere</c> (the aggregator's trainer check
    /// stopped waiting for a live trainer whose model is not coming).
    /// </summary>
    public const string RoundChecks = "decentral.node.round.checks";
}

/// <summary>One node's instruments (each node runtime owns its meter, so tests listen to one node).</summary>
internal sealed class NodeMeter : IDisposable
{
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _checks;

    public NodeMeter()
    {
        Meter = new Meter(NodeMetrics.MeterName);
        _rejected = Meter.CreateCounter<long>(NodeMetrics.MessagesRejected, "{message}");
        _checks = Meter.CreateCounter<long>(NodeMetrics.RoundChecks, "{peer}");
    }

    /// <summary>The meter (tests listen to this instance, not to every meter of the same name).</summary>
    public Meter Meter { get; }

    public void Rejected(string path, DecodeError error) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("path", path), new KeyValuePair<string, object?>("reason", Libp2pMetrics.TagOf(error)));

    /// <summary>Counts <paramref name="peers"/> found by a round check with <paramref name="outcome"/> (a name of <c>RoundRow.CheckNames</c>).</summary>
    public void Checked(string outcome, int peers) =>
        _checks.Add(peers, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => Meter.Dispose();
}
