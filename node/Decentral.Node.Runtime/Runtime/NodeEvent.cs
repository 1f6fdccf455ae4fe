using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>An event for the protocol core, run on the node's event loop.</summary>
internal abstract record NodeEvent;

/// <summary>A decoded protocol message arrived (from the network or the gossip overlay) at <paramref name="ArrivedAt"/> (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed record MessageArrived(PeerId From, ProtocolMessage Message, long ArrivedAt) : NodeEvent;

/// <summary>A timer fired; <paramref name="Generation"/> tells a stale firing from a live one.</summary>
internal sealed record TimerElapsed(TimerKey Key, long Generation) : NodeEvent;

/// <summary>A training job finished; it ran on the training thread from <paramref name="StartedAt"/> to <paramref name="FinishedAt"/> (timestamps).</summary>
internal sealed record TrainingFinished(long Job, long Round, ModelVector Model, int Samples, double Loss, long StartedAt, long FinishedAt) : NodeEvent;

/// <summary>A delivery failed for good (after the transport's retries).</summary>
internal sealed record DeliveryFailed(PeerId To, ProtocolMessage Message) : NodeEvent;

/// <summary>Runs an action on the loop (start, join, leave, state snapshots).</summary>
internal sealed record LoopAction(string Name, Action Action) : NodeEvent;
