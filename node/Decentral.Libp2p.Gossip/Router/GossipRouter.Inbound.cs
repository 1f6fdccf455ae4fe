using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>Handling of RPCs received from peers.</summary>
public sealed partial class GossipRouter
{
    /// <summary>Processes one decoded RPC from a connected peer (ignored when the peer is unknown).</summary>
    public void HandleRpc(PeerId from, Rpc rpc)
    {
        if (!_peers.TryGetValue(from, out var state))
        {
            return;
        }

        Counters.RpcsReceived++;
        foreach (var change in rpc.Subscriptions)
        {
            HandleSubscription(from, state, change);
        }

        foreach (var message in rpc.Messages)
        {
            HandleMessage(from, message);
        }

        HandleControl(from, state, rpc.Control);
    }

    private void HandleSubscription(PeerId from, PeerState state, SubscriptionChange change)
    {
        if (change.Subscribe)
        {
            state.Topics.Add(change.Topic);
            if (!_topicPeers.TryGetValue(change.Topic, out var set))
            {
                set = [];
                _topicPeers.Add(change.Topic, set);
            }

            set.Add(from);
            return;
        }

        state.Topics.Remove(change.Topic);
        RemoveFrom(_topicPeers, change.Topic, from);
        if (_mesh.TryGetValue(change.Topic, out var mesh))
        {
            mesh.Remove(from);
        }

        if (_fanout.TryGetValue(change.Topic, out var fanout))
        {
            fanout.Remove(from);
        }
    }

    private void HandleMessage(PeerId from, PubSubMessage message)
    {
        var reason = MessageSigning.Validate(message, out var author);
        if (reason != MessageRejectReason.None)
        {
            Counters.InvalidMessages[reason] = Counters.InvalidMessages.GetValueOrDefault(reason) + 1;
            return;
        }

        var id = MessageSigning.IdOf(author!, message);
        if (!_seen.Add(id, _time.GetUtcNow()))
        {
            Counters.Duplicates++;
            return;
        }

        _cache.Put(id, message);
        if (_subscriptions.Contains(message.Topic))
        {
            _outbox.Deliver(new GossipDelivery(id, author!, from, message.Topic, message.Data));
        }

        // Forward to the mesh, never back to the sender or to the author.
        if (_mesh.TryGetValue(message.Topic, out var mesh))
        {
            foreach (var peer in Sorted(mesh))
            {
                if (peer != from && peer != author)
                {
                    _outbox.Message(peer, message);
                }
            }
        }
    }

    private void HandleControl(PeerId from, PeerState state, ControlMessage control)
    {
        foreach (var ihave in control.IHave)
        {
            HandleIHave(from, state, ihave);
        }

        foreach (var iwant in control.IWant)
        {
            foreach (var id in iwant.MessageIds)
            {
                if (_cache.GetForPeer(id, from, _options.GossipRetransmission) is { } message)
                {
                    Counters.IWantServed++;
                    _outbox.Message(from, message);
                }
            }
        }

        foreach (var graft in control.Graft)
        {
            HandleGraft(from, state, graft.Topic);
        }

        foreach (var prune in control.Prune)
        {
            if (_mesh.TryGetValue(prune.Topic, out var mesh))
            {
                mesh.Remove(from);
            }

            // Peer exchange entries are not dialled: the node's own discovery decides whom to connect to.
            // One heartbeat of slack, so our clock running slightly ahead of the peer's never
            // makes us re-graft inside its backoff (which it would count as misbehaviour).
            var backoff = prune.BackoffSeconds is { } seconds ? TimeSpan.FromSeconds(Math.Min(seconds, 24 * 3600)) : _options.PruneBackoff;
            SetBackoff(prune.Topic, from, backoff + _options.HeartbeatInterval);
        }
    }

    private void HandleIHave(PeerId from, PeerState state, ControlIHave ihave)
    {
        Counters.IHaveReceived++;
        if (++state.IHaveThisHeartbeat > _options.MaxIHaveMessages || !_mesh.ContainsKey(ihave.Topic))
        {
            return;
        }

        var wanted = new List<MessageId>();
        var unique = new HashSet<MessageId>();
        foreach (var id in ihave.MessageIds)
        {
            if (state.IdsAskedThisHeartbeat >= _options.MaxIHaveLength)
            {
                break;
            }

            if (_seen.Contains(id))
            {
                Counters.IHaveIdsAlreadySeen++;
            }
            else if (unique.Add(id))
            {
                wanted.Add(id);
                state.IdsAskedThisHeartbeat++;
            }
        }

        if (wanted.Count > 0)
        {
            Counters.IWantSent += wanted.Count;
            _outbox.IWant(from, new ControlIWant(wanted));
        }
    }

    private void HandleGraft(PeerId from, PeerState state, string topic)
    {
        if (!_mesh.TryGetValue(topic, out var mesh))
        {
            // Not joined: refuse without backoff so the peer may try again once we join.
            Counters.GraftsRefused++;
            _outbox.Prune(from, new ControlPrune(topic, [], null));
            return;
        }

        if (mesh.Contains(from))
        {
            return;
        }

        if (InBackoff(topic, from) || (mesh.Count >= _options.DHigh && !state.Outbound))
        {
            // Grafting during backoff is misbehaviour; a full mesh refuses inbound peers. Both
            // answer with a PRUNE that (re)starts the backoff.
            Counters.GraftsRefused++;
            SendPrune(from, topic, _options.PruneBackoff);
            return;
        }

        mesh.Add(from);
    }
}
