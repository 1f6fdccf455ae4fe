namespace Decentral.Simulator.Churn;

/// <summary>What happens to a node (or the network) in a churn event.</summary>
public enum ChurnKind
{
    /// <summary>The node stops without notice: no LEAVE is sent, its transfers are cut.</summary>
    Crash,

    /// <summary>The node leaves gracefully: it may advertise LEAVE before going offline.</summary>
    Leave,

    /// <summary>The node comes (back) online and advertises JOIN.</summary>
    Join,

    /// <summary>The network splits: <see cref="ChurnEvent.Groups"/> gives each node's group.</summary>
    Partition,

    /// <summary>All partitions end.</summary>
    Heal,
}

/// <summary>One scheduled churn event.</summary>
/// <param name="Time">Simulated time in ticks.</param>
/// <param name="Kind">What happens.</param>
/// <param name="Node">The node for Crash/Leave/Join; -1 for network-wide events.</param>
/// <param name="Groups">For <see cref="ChurnKind.Partition"/>: group id per node index (nodes beyond its length stay in group 0).</param>
public readonly record struct ChurnEvent(long Time, ChurnKind Kind, int Node, IReadOnlyList<int>? Groups = null);

/// <summary>Receives churn events from a <see cref="ChurnDriver"/> at their simulated time.</summary>
public interface IChurnHandler
{
    /// <summary>Runs one churn event; applying it to the network and the protocol is the handler's job.</summary>
    void OnChurn(in ChurnEvent churnEvent);
}
