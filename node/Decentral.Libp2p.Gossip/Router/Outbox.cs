using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>
/// Collects what the router wants to send per peer until the driver takes it, so control
/// entries produced by one event share an RPC. Peers are drained in first-use order, which
/// keeps the output deterministic.
/// </summary>
internal sealed class Outbox
{
    private readonly Dictionary<PeerId, Pending> _pending = [];
    private readonly List<PeerId> _order = [];
    private readonly List<GossipDelivery> _deliveries = [];

    public void Subscription(PeerId peer, SubscriptionChange change) => For(peer).Subscriptions.Add(change);

    public void Message(PeerId peer, PubSubMessage message) => For(peer).Messages.Add(message);

    public void IHave(PeerId peer, ControlIHave ihave) => For(peer).IHave.Add(ihave);

    public void IWant(PeerId peer, ControlIWant iwant) => For(peer).IWant.Add(iwant);

    public void Graft(PeerId peer, string topic) => For(peer).Graft.Add(new ControlGraft(topic));

    public void Prune(PeerId peer, ControlPrune prune) => For(peer).Prune.Add(prune);

    public void Deliver(GossipDelivery delivery) => _deliveries.Add(delivery);

    /// <summary>Forgets everything queued for a peer that went away.</summary>
    public void Drop(PeerId peer)
    {
        if (_pending.Remove(peer))
        {
            _order.Remove(peer);
        }
    }

    /// <summary>
    /// Returns and clears the queued effects. Subscriptions and control travel in the first RPC
    /// to a peer together with its first message; each further message gets its own RPC so no
    /// RPC grows past one message's size.
    /// </summary>
    public RouterEffects Take()
    {
        if (_order.Count == 0 && _deliveries.Count == 0)
        {
            return RouterEffects.None;
        }

        var sends = new List<OutboundRpc>();
        foreach (var peer in _order)
        {
            var p = _pending[peer];
            var control = new ControlMessage(p.IHave, p.IWant, p.Graft, p.Prune, []);
            var first = p.Messages.Count > 0 ? [p.Messages[0]] : Array.Empty<PubSubMessage>();
            sends.Add(new OutboundRpc(peer, new Rpc(p.Subscriptions, first, control)));
            for (var i = 1; i < p.Messages.Count; i++)
            {
                sends.Add(new OutboundRpc(peer, new Rpc([], [p.Messages[i]], ControlMessage.Empty)));
            }
        }

        var effects = new RouterEffects(sends, _deliveries.ToArray());
        _pending.Clear();
        _order.Clear();
        _deliveries.Clear();
        return effects;
    }

    private Pending For(PeerId peer)
    {
        if (!_pending.TryGetValue(peer, out var pending))
        {
            pending = new Pending();
            _pending.Add(peer, pending);
            _order.Add(peer);
        }

        return pending;
    }

    private sealed class Pending
    {
        public List<SubscriptionChange> Subscriptions { get; } = [];

        public List<PubSubMessage> Messages { get; } = [];

        public List<ControlIHave> IHave { get; } = [];

        public List<ControlIWant> IWant { get; } = [];

        public List<ControlGraft> Graft { get; } = [];

        public List<ControlPrune> Prune { get; } = [];
    }
}
