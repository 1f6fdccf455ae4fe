using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>The heartbeat: mesh and fanout maintenance, gossip emission, cache shifting.</summary>
public sealed partial class GossipRouter
{
    /// <summary>Runs one heartbeat; the driver calls it every <see cref="GossipOptions.HeartbeatInterval"/>.</summary>
    public void Heartbeat()
    {
        var now = _time.GetUtcNow();
        foreach (var state in _peers.Values)
        {
            state.IHaveThisHeartbeat = 0;
            state.IdsAskedThisHeartbeat = 0;
        }

        foreach (var key in _backoff.Where(entry => entry.Value <= now).Select(entry => entry.Key).ToList())
        {
            _backoff.Remove(key);
        }

        foreach (var topic in _mesh.Keys.Order(StringComparer.Ordinal).ToList())
        {
            MaintainMesh(topic, _mesh[topic]);
        }

        MaintainFanout(now);
        EmitGossip();
        _cache.Shift();
        _seen.Expire(now);
    }

    private void MaintainMesh(string topic, HashSet<PeerId> mesh)
    {
        mesh.RemoveWhere(peer => !TopicPeers(topic).Contains(peer));
        if (mesh.Count < _options.DLow)
        {
            foreach (var peer in PickPeers(topic, _options.D - mesh.Count, p => !mesh.Contains(p) && !InBackoff(topic, p)))
            {
                mesh.Add(peer);
                _outbox.Graft(peer, topic);
            }
        }

        if (mesh.Count > _options.DHigh)
        {
            PruneExcess(topic, mesh);
        }

        // v1.1: keep at least D_out outbound peers so inbound-only sybils cannot take over the mesh.
        var outbound = mesh.Count(p => _peers[p].Outbound);
        if (outbound < _options.DOut)
        {
            foreach (var peer in PickPeers(topic, _options.DOut - outbound, p => !mesh.Contains(p) && _peers[p].Outbound && !InBackoff(topic, p)))
            {
                mesh.Add(peer);
                _outbox.Graft(peer, topic);
            }
        }
    }

    /// <summary>Shrinks the mesh to D at random, keeping up to D_out outbound peers.</summary>
    private void PruneExcess(string topic, HashSet<PeerId> mesh)
    {
        var shuffled = Sorted(mesh);
        Shuffle(shuffled);
        var keep = new List<PeerId>(_options.D);
        foreach (var peer in shuffled.Where(p => _peers[p].Outbound).Take(_options.DOut))
        {
            keep.Add(peer);
        }

        foreach (var peer in shuffled)
        {
            if (keep.Count >= _options.D)
            {
                break;
            }

            if (!keep.Contains(peer))
            {
                keep.Add(peer);
            }
        }

        foreach (var peer in shuffled.Where(p => !keep.Contains(p)))
        {
            mesh.Remove(peer);
            SendPrune(peer, topic, _options.PruneBackoff);
        }
    }

    private void MaintainFanout(DateTimeOffset now)
    {
        foreach (var topic in _fanout.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!_fanoutLastPublish.TryGetValue(topic, out var last) || last + _options.FanoutTtl <= now)
            {
                _fanout.Remove(topic);
                _fanoutLastPublish.Remove(topic);
                continue;
            }

            var fanout = _fanout[topic];
            fanout.RemoveWhere(peer => !TopicPeers(topic).Contains(peer));
            if (fanout.Count < _options.D)
            {
                fanout.UnionWith(PickPeers(topic, _options.D - fanout.Count, p => !fanout.Contains(p)));
            }
        }
    }

    /// <summary>Sends IHAVE for recent messages to random topic peers outside the mesh/fanout.</summary>
    private void EmitGossip()
    {
        foreach (var (topic, members) in _mesh.Concat(_fanout).OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            var ids = _cache.GossipIds(topic);
            if (ids.Count == 0)
            {
                continue;
            }

            var candidates = Sorted(TopicPeers(topic).Where(p => !members.Contains(p)));
            var target = Math.Max(_options.DLazy, (int)Math.Ceiling(_options.GossipFactor * candidates.Count));
            Shuffle(candidates);
            foreach (var peer in candidates.Take(target))
            {
                var advertised = ids;
                if (ids.Count > _options.MaxIHaveLength)
                {
                    advertised = [.. ids];
                    Shuffle(advertised);
                    advertised = advertised.GetRange(0, _options.MaxIHaveLength);
                }

                _outbox.IHave(peer, new ControlIHave(topic, advertised));
            }
        }
    }
}
