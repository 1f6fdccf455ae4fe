using Decentral.Baselines;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Sampling;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Runner;

/// <summary>What a protocol node of a simulated run is built from.</summary>
/// <param name="Index">The node's slot.</param>
/// <param name="Self">The node's peer id.</param>
/// <param name="AllPeers">Every slot's peer id (founders first, then joiners), for baselines with fixed topologies.</param>
/// <param name="Founders">How many of <paramref name="AllPeers"/> are founders.</param>
/// <param name="View">The node's membership view (shared founding base).</param>
/// <param name="Order">The shared rank order.</param>
/// <param name="Effects">The node's effects driver.</param>
/// <param name="Random">The node's seeded randomness.</param>
public sealed record NodeContext(int Index, PeerId Self, IReadOnlyList<PeerId> AllPeers, int Founders, MembershipView View, IRoundOrder Order, IProtocolEffects Effects, Random Random);

/// <summary>
/// Creates the protocol node a scenario asks for. <see cref="Algorithms"/> maps algorithm names
/// to constructors: "modest", and the baselines "fedavg" (server = slot 0, s = protocol.sampleSize),
/// "dpsgd" (graph over the founders), "gossip" and "epidemic" (fan-out s = protocol.sampleSize).
/// Every node of a baseline observes <see cref="ObservationKind.Aggregated"/> with its averaged
/// model per round (gossip: per period tick); telemetry opens a row when the first node reaches
/// each round and, for D-PSGD, Epidemic and Gossip Learning, evaluates the mean over the current
/// models of up to learning.evalNodes running nodes (see <see cref="TelemetryRecorder"/>).
/// </summary>
public static class ProtocolFactory
{
    /// <summary>Constructors by algorithm name.</summary>
    public static Dictionary<string, Func<Scenario, NodeContext, IProtocolNode>> Algorithms { get; } = new(StringComparer.Ordinal)
    {
        ["modest"] = (scenario, c) => new ModestNode(c.Self, scenario.Protocol, c.View, c.Order, c.Effects, c.Random),
        ["fedavg"] = (scenario, c) => new FedAvgNode(c.Self, c.AllPeers[0], Founders(c), scenario.Protocol.SampleSize, scenario.Baselines.FedAvg, c.View, c.Effects, c.Random),
        ["dpsgd"] = (scenario, c) => new DpsgdNode(c.Self, Founders(c), scenario.Baselines.Dpsgd, c.View, c.Effects, c.Random),
        ["gossip"] = (scenario, c) => new GossipNode(c.Self, Founders(c), scenario.Baselines.Gossip, c.View, c.Effects, c.Random),
        ["epidemic"] = (scenario, c) => new EpidemicNode(c.Self, Founders(c), scenario.Protocol.SampleSize, scenario.Baselines.Epidemic, c.View, c.Effects, c.Random),
    };

    private static PeerId[] Founders(NodeContext c) => [.. c.AllPeers.Take(c.Founders)];

    /// <summary>Builds the node for <paramref name="context"/>.</summary>
    public static IProtocolNode Create(Scenario scenario, NodeContext context) =>
        Algorithms.TryGetValue(scenario.Algorithm, out var create)
            ? create(scenario, context)
            : throw new ArgumentException($"$.algorithm: unknown algorithm '{scenario.Algorithm}' (known: {string.Join(", ", Algorithms.Keys)}).");
}
