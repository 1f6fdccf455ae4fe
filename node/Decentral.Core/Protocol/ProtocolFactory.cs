using Decentral.Baselines;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Sampling;

namespace Decentral.Protocol;

/// <summary>What a protocol node is built from, by the simulator for each simulated node and by a real node for itself.</summary>
/// <param name="Index">The node's slot.</param>
/// <param name="Self">The node's peer id.</param>
/// <param name="AllPeers">Every slot's peer id (founders first, then joiners), for baselines with fixed topologies; FedAvg's server is the first.</param>
/// <param name="Founders">How many of <paramref name="AllPeers"/> are founders.</param>
/// <param name="View">The node's membership view.</param>
/// <param name="Order">The shared rank order.</param>
/// <param name="Effects">The node's effects driver.</param>
/// <param name="Random">The node's seeded randomness.</param>
public sealed record NodeContext(int Index, PeerId Self, IReadOnlyList<PeerId> AllPeers, int Founders, MembershipView View, IRoundOrder Order, IProtocolEffects Effects, Random Random);

/// <summary>
/// Creates the protocol node an algorithm name asks for, the same way for the simulator and the
/// node: "modest", and the baselines "fedavg" (server = the first of AllPeers, s =
/// protocol.sampleSize), "dpsgd" (graph over the founders), "gossip" and "epidemic" (fan-out s =
/// protocol.sampleSize). Every node of a baseline observes <see cref="ObservationKind.Aggregated"/>
/// with its averaged model per round (gossip: per period tick).
/// </summary>
public static class ProtocolFactory
{
    /// <summary>Constructors by algorithm name.</summary>
    public static IReadOnlyDictionary<string, Func<ModestOptions, BaselineSettings, NodeContext, IProtocolNode>> Algorithms { get; } =
        new Dictionary<string, Func<ModestOptions, BaselineSettings, NodeContext, IProtocolNode>>(StringComparer.Ordinal)
        {
            ["modest"] = (p, b, c) => new ModestNode(c.Self, p, c.View, c.Order, c.Effects, c.Random),
            ["fedavg"] = (p, b, c) => new FedAvgNode(c.Self, c.AllPeers[0], Founders(c), p.SampleSize, b.FedAvg, c.View, c.Effects, c.Random),
            ["dpsgd"] = (p, b, c) => new DpsgdNode(c.Self, Founders(c), b.Dpsgd, c.View, c.Effects, c.Random),
            ["gossip"] = (p, b, c) => new GossipNode(c.Self, Founders(c), b.Gossip, c.View, c.Effects, c.Random),
            ["epidemic"] = (p, b, c) => new EpidemicNode(c.Self, Founders(c), p.SampleSize, b.Epidemic, c.View, c.Effects, c.Random),
        };

    private static PeerId[] Founders(NodeContext c) => [.. c.AllPeers.Take(c.Founders)];

    /// <summary>Builds the <paramref name="algorithm"/> node for <paramref name="context"/>.</summary>
    /// <exception cref="ArgumentException">An algorithm no constructor is registered for (validation rejects it first).</exception>
    public static IProtocolNode Create(string algorithm, ModestOptions protocol, BaselineSettings baselines, NodeContext context) =>
        Algorithms.TryGetValue(algorithm, out var create)
            ? create(protocol, baselines, context)
            : throw new ArgumentException($"Unknown algorithm '{algorithm}' (known: {string.Join(", ", Algorithms.Keys)}).", nameof(algorithm));
}
