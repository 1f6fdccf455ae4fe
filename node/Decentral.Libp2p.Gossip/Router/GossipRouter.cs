using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>
/// The GossipSub v1.1 router as a pure state machine: no I/O, no threads, no clock or
/// randomness of its own (time comes from the injected <see cref="TimeProvider"/>, choices from
/// the seeded <see cref="Random"/>). Life cycle: peers are added when their meshsub stream is
/// up and removed when it goes; the driver feeds received RPCs, local subscribe/publish calls
/// and a <see cref="Heartbeat"/> every <see cref="GossipOptions.HeartbeatInterval"/>, and after
/// each call takes the resulting sends and deliveries with <see cref="TakeEffects"/>.
/// Not thread-safe: the driver serializes calls.
/// </summary>
public sealed partial class GossipRouter
{
    private readonly PeerIdentity _self;
    private readonly GossipOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Dictionary<PeerId, PeerState> _peers = [];
    private readonly Dictionary<string, HashSet<PeerId>> _topicPeers = [];
    private readonly HashSet<string> _subscriptions = [];
    private readonly Dictionary<string, HashSet<PeerId>> _mesh = [];
    private readonly Dictionary<string, HashSet<PeerId>> _fanout = [];
    private readonly Dictionary<string, DateTimeOffset> _fanoutLastPublish = [];
    private readonly Dictionary<(string Topic, PeerId Peer), DateTimeOffset> _backoff = [];
    private readonly SeenCache _seen;
    private readonly MessageCache _cache;
    private readonly Outbox _outbox = new();
    private ulong _seqno;

    /// <summary>Creates a router for <paramref name="self"/>; throws when the options are invalid.</summary>
    public GossipRouter(PeerIdentity self, GossipOptions options, TimeProvider time, Random random)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        _self = self;
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _seen = new SeenCache(options.SeenTtl, options.MaxSeenIds);
        _cache = new MessageCache(options.HistoryLength, options.HistoryGossip, options.MaxCachedBytes);

        // Seqnos must never repeat for this key, across restarts too: a restarted node with the
        // same identity whose ids are still in other peers' seen caches is silently dropped. A
        // seeded random start repeats exactly then (the node seeds from its identity), so the
        // start is the clock in nanoseconds (as go-libp2p does), later than any earlier process's.
        _seqno = checked((ulong)time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000) + (ulong)random.NextInt64(1_000_000);
    }

    /// <summary>The local peer id.</summary>
    public PeerId LocalPeer => _self.PeerId;

    /// <summary>Diagnostic counters.</summary>
    public RouterCounters Counters { get; } = new();

    /// <summary>Topics the local node is subscribed to.</summary>
    public IReadOnlyCollection<string> Subscriptions => _subscriptions;

    /// <summary>Connected pubsub peers.</summary>
    public IReadOnlyCollection<PeerId> Peers => _peers.Keys;

    /// <summary>The mesh of a topic (empty when not joined).</summary>
    public IReadOnlyCollection<PeerId> MeshPeers(string topic) => _mesh.TryGetValue(topic, out var mesh) ? mesh : [];

    /// <summary>The fanout set of a topic (empty when none).</summary>
    public IReadOnlyCollection<PeerId> FanoutPeers(string topic) => _fanout.TryGetValue(topic, out var set) ? set : [];

    /// <summary>Peers known to be subscribed to a topic.</summary>
    public IReadOnlyCollection<PeerId> TopicPeers(string topic) => _topicPeers.TryGetValue(topic, out var set) ? set : [];

    /// <summary>Returns and clears the sends and deliveries produced since the last call.</summary>
    public RouterEffects TakeEffects() => _outbox.Take();

    /// <summary>A peer's meshsub stream is up: remember it and tell it our subscriptions.</summary>
    public void AddPeer(PeerId peer, GossipProtocol protocol, bool outbound)
    {
        if (peer == LocalPeer || _peers.ContainsKey(peer))
        {
            return;
        }

        _peers.Add(peer, new PeerState(protocol, outbound));
        foreach (var topic in _subscriptions)
        {
            _outbox.Subscription(peer, new SubscriptionChange(true, topic));
        }
    }

    /// <summary>A peer went away: forget it everywhere.</summary>
    public void RemovePeer(PeerId peer)
    {
        if (!_peers.Remove(peer, out var state))
        {
            return;
        }

        foreach (var topic in state.Topics)
        {
            RemoveFrom(_topicPeers, topic, peer);
        }

        foreach (var set in _mesh.Values)
        {
            set.Remove(peer);
        }

        foreach (var set in _fanout.Values)
        {
            set.Remove(peer);
        }

        _outbox.Drop(peer);
    }

    /// <summary>Joins a topic: announce it and build a mesh from fanout and known peers.</summary>
    public void Subscribe(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (!_subscriptions.Add(topic))
        {
            return;
        }

        foreach (var peer in _peers.Keys)
        {
            _outbox.Subscription(peer, new SubscriptionChange(true, topic));
        }

        var mesh = new HashSet<PeerId>();
        if (_fanout.Remove(topic, out var fanout))
        {
            _fanoutLastPublish.Remove(topic);
            mesh.UnionWith(fanout.Take(_options.D));
        }

        _mesh[topic] = mesh;
        if (mesh.Count < _options.D)
        {
            mesh.UnionWith(PickPeers(topic, _options.D - mesh.Count, p => !mesh.Contains(p) && !InBackoff(topic, p)));
        }

        foreach (var peer in Sorted(mesh))
        {
            _outbox.Graft(peer, topic);
        }
    }

    /// <summary>Leaves a topic: announce it and PRUNE the mesh with the unsubscribe backoff.</summary>
    public void Unsubscribe(string topic)
    {
        if (!_subscriptions.Remove(topic))
        {
            return;
        }

        foreach (var peer in _peers.Keys)
        {
            _outbox.Subscription(peer, new SubscriptionChange(false, topic));
        }

        if (_mesh.Remove(topic, out var mesh))
        {
            foreach (var peer in Sorted(mesh))
            {
                SendPrune(peer, topic, _options.UnsubscribeBackoff);
            }
        }
    }

    /// <summary>Signs and sends a new message; it is not delivered locally.</summary>
    public PublishResult Publish(string topic, byte[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(data);
        var message = MessageSigning.CreateSigned(_self, topic, data, unchecked(++_seqno));
        var id = MessageSigning.IdOf(LocalPeer, message);
        var now = _time.GetUtcNow();
        _seen.Add(id, now);
        _cache.Put(id, message);

        if (!_subscriptions.Contains(topic))
        {
            // Not joined: publish through a fanout set, kept alive for FanoutTtl after each publish.
            _fanoutLastPublish[topic] = now;
            if (!_fanout.TryGetValue(topic, out var fanout) || fanout.Count == 0)
            {
                _fanout[topic] = [.. PickPeers(topic, _options.D, _ => true)];
            }
        }

        IEnumerable<PeerId> recipients = _options.FloodPublish ? TopicPeers(topic)
            : _mesh.TryGetValue(topic, out var mesh) ? mesh : _fanout[topic];
        var count = 0;
        foreach (var peer in Sorted(recipients))
        {
            _outbox.Message(peer, message);
            count++;
        }

        return new PublishResult(id, count);
    }

    private bool InBackoff(string topic, PeerId peer) =>
        _backoff.TryGetValue((topic, peer), out var until) && until > _time.GetUtcNow();

    private void SetBackoff(string topic, PeerId peer, TimeSpan duration)
    {
        var until = _time.GetUtcNow() + duration;
        if (!_backoff.TryGetValue((topic, peer), out var existing) || existing < until)
        {
            _backoff[(topic, peer)] = until;
        }
    }

    private void SendPrune(PeerId peer, string topic, TimeSpan backoff)
    {
        SetBackoff(topic, peer, backoff);
        var protocol = _peers.TryGetValue(peer, out var state) ? state.Protocol : GossipProtocol.MeshSub11;

        // meshsub 1.0 peers do not know the backoff field; 1.1 peers are told how long to wait.
        ulong? seconds = protocol == GossipProtocol.MeshSub11 ? (ulong)Math.Ceiling(backoff.TotalSeconds) : null;
        _outbox.Prune(peer, new ControlPrune(topic, [], seconds));
    }

    /// <summary>Picks up to <paramref name="count"/> random peers of a topic that pass the filter.</summary>
    private List<PeerId> PickPeers(string topic, int count, Func<PeerId, bool> filter)
    {
        var candidates = Sorted(TopicPeers(topic).Where(filter));
        Shuffle(candidates);
        return candidates.Count > count ? candidates.GetRange(0, count) : candidates;
    }

    /// <summary>Sorted copy, so hash-set order never leaks into random choices or output order.</summary>
    private static List<PeerId> Sorted(IEnumerable<PeerId> peers)
    {
        var list = peers.ToList();
        list.Sort();
        return list;
    }

    private void Shuffle<T>(List<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static void RemoveFrom(Dictionary<string, HashSet<PeerId>> map, string topic, PeerId peer)
    {
        if (map.TryGetValue(topic, out var set) && set.Remove(peer) && set.Count == 0)
        {
            map.Remove(topic);
        }
    }

    private sealed class PeerState(GossipProtocol protocol, bool outbound)
    {
        public GossipProtocol Protocol { get; } = protocol;

        public bool Outbound { get; } = outbound;

        public HashSet<string> Topics { get; } = [];

        public int IHaveThisHeartbeat { get; set; }

        public int IdsAskedThisHeartbeat { get; set; }
    }
}
