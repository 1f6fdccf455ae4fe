using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>The pubsub protocol a peer speaks on its stream.</summary>
public enum GossipProtocol
{
    /// <summary>/meshsub/1.0.0: no PRUNE backoff or peer exchange fields.</summary>
    MeshSub10,

    /// <summary>/meshsub/1.1.0.</summary>
    MeshSub11,
}

/// <summary>Protocol ids and helpers for <see cref="GossipProtocol"/>.</summary>
public static class GossipProtocols
{
    /// <summary>"/meshsub/1.1.0".</summary>
    public const string MeshSub11Id = "/meshsub/1.1.0";

    /// <summary>"/meshsub/1.0.0".</summary>
    public const string MeshSub10Id = "/meshsub/1.0.0";

    /// <summary>The ids we accept, most preferred first.</summary>
    public static IReadOnlyList<string> Supported { get; } = [MeshSub11Id, MeshSub10Id];

    /// <summary>Maps a negotiated protocol id; false when it is not a meshsub id we speak.</summary>
    public static bool TryParse(string protocolId, out GossipProtocol protocol)
    {
        protocol = protocolId == MeshSub10Id ? GossipProtocol.MeshSub10 : GossipProtocol.MeshSub11;
        return protocolId is MeshSub11Id or MeshSub10Id;
    }
}

/// <summary>A message delivered to the local application.</summary>
/// <param name="Id">Its message id.</param>
/// <param name="Author">The peer that published (and signed) it.</param>
/// <param name="ReceivedFrom">The neighbour it arrived from.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Data">The payload.</param>
public sealed record GossipDelivery(MessageId Id, PeerId Author, PeerId ReceivedFrom, string Topic, byte[] Data);

/// <summary>An RPC the router wants sent to a peer.</summary>
public sealed record OutboundRpc(PeerId Peer, Rpc Rpc);

/// <summary>What the router asks its driver to do: send RPCs and deliver messages, in order.</summary>
public sealed record RouterEffects(IReadOnlyList<OutboundRpc> Sends, IReadOnlyList<GossipDelivery> Deliveries)
{
    /// <summary>No effects.</summary>
    public static RouterEffects None { get; } = new([], []);
}

/// <summary>Outcome of a local publish.</summary>
/// <param name="Id">The new message's id.</param>
/// <param name="Recipients">How many peers it was sent to (0: nobody subscribed yet).</param>
public readonly record struct PublishResult(MessageId Id, int Recipients);

/// <summary>Counters for diagnostics and tests.</summary>
public sealed class RouterCounters
{
    /// <summary>RPCs handled.</summary>
    public long RpcsReceived { get; internal set; }

    /// <summary>Messages dropped by validation, by reason.</summary>
    public Dictionary<MessageRejectReason, long> InvalidMessages { get; } = [];

    /// <summary>Duplicate messages ignored.</summary>
    public long Duplicates { get; internal set; }

    /// <summary>IHAVE entries received.</summary>
    public long IHaveReceived { get; internal set; }

    /// <summary>Ids offered in IHAVE that we had already seen (shows that message ids agree across implementations).</summary>
    public long IHaveIdsAlreadySeen { get; internal set; }

    /// <summary>Message ids requested by our IWANTs.</summary>
    public long IWantSent { get; internal set; }

    /// <summary>Messages served in answer to IWANT.</summary>
    public long IWantServed { get; internal set; }

    /// <summary>GRAFTs refused with a PRUNE.</summary>
    public long GraftsRefused { get; internal set; }
}
