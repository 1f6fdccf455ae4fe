using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Baselines;

/// <summary>
/// Decentralized parallel SGD (D-PSGD) over a fixed graph of the founding peers. Every round each
/// node trains, sends its trained model (<see cref="TrainedModel"/> tagged with the round) to its
/// out-neighbours, waits for its in-neighbours' models of the same round (or the round timeout),
/// averages its own and the received models with equal weights, observes
/// <see cref="ObservationKind.Aggregated"/> with that average, and trains it as the next round.
/// </summary>
/// <remarks>
/// Life cycle: founders start round 1 from the shared initial model; newcomers (<c>Join</c>) take no
/// part because the graph is fixed. Models of a later round are kept until this node gets there;
/// models of an earlier round are ignored. Graphs (<see cref="DpsgdTopology"/>): one-peer
/// exponential (round k: send to i + 2^((k-1) mod floor(log2 N)), receive from i - that offset),
/// ring (i ± 1) and k-regular circulant (i ± 1 .. i ± k/2); all undirected except the exponential
/// one, and all with in-degree = out-degree, so the equal-weight average is doubly stochastic.
/// </remarks>
public sealed class DpsgdNode : RoundBasedNode
{
    private readonly IReadOnlyList<PeerId> _peers;
    private readonly Dictionary<PeerId, int> _position = [];
    private readonly int _index;
    private readonly DpsgdOptions _options;
    private readonly SortedDictionary<long, Dictionary<PeerId, TrainedModel>> _inbox = [];

    /// <summary>Creates the node.</summary>
    /// <param name="self">This peer.</param>
    /// <param name="peers">The graph's nodes in position order (the founders); this peer's position defines its neighbours.</param>
    /// <param name="options">Topology and timeout (validated here).</param>
    /// <param name="view">The founding view (read by telemetry only).</param>
    /// <param name="effects">The driver.</param>
    /// <param name="random">Seeded randomness (unused by the fixed graphs; kept for the common shape).</param>
    public DpsgdNode(PeerId self, IReadOnlyList<PeerId> peers, DpsgdOptions options, MembershipView view, IProtocolEffects effects, Random random)
        : base(self, view, effects, random)
    {
        _peers = peers ?? throw new ArgumentNullException(nameof(peers));
        _options = BaselineChecks.EnsureValid(options ?? throw new ArgumentNullException(nameof(options)), options.Validate(), "D-PSGD");
        for (var i = 0; i < peers.Count; i++)
        {
            _position[peers[i]] = i;
        }

        _index = _position.GetValueOrDefault(self, -1);
        if (options.Topology == DpsgdTopology.Regular && options.Degree >= peers.Count)
        {
            throw new ArgumentException($"A {options.Degree}-regular graph needs more than {peers.Count} nodes.", nameof(options));
        }
    }

    /// <summary>Peers this node sends to in <paramref name="round"/>.</summary>
    public IReadOnlyList<PeerId> OutNeighbours(long round) => Neighbours(round, +1);

    /// <summary>Peers this node waits for in <paramref name="round"/>.</summary>
    public IReadOnlyList<PeerId> InNeighbours(long round) => Neighbours(round, -1);

    /// <inheritdoc />
    protected override void OnStart(ModelVector initialModel)
    {
        if (_index < 0)
        {
            return;
        }

        BeginFirstRound(initialModel);
    }

    /// <inheritdoc />
    protected override void OnReceive(PeerId from, ProtocolMessage message)
    {
        if (message is not TrainedModel trained || trained.Round < Round || !_position.ContainsKey(from))
        {
            Observe(ObservationKind.StaleIgnored, Round);
            return;
        }

        if (!_inbox.TryGetValue(trained.Round, out var models))
        {
            _inbox[trained.Round] = models = [];
        }

        models[from] = trained;
        TryFinish(timedOut: false);
    }

    /// <inheritdoc />
    protected override TimeSpan RoundTimeout => _options.RoundTimeout;

    /// <inheritdoc />
    protected override int SendTrained(TrainedModel message)
    {
        var targets = OutNeighbours(message.Round);
        foreach (var peer in targets)
        {
            Effects.Send(peer, message);
        }

        return targets.Count;
    }

    /// <inheritdoc />
    protected override IReadOnlyList<ModelVector>? TakeReceived(bool timedOut)
    {
        var expected = InNeighbours(Round);
        var models = _inbox.GetValueOrDefault(Round);
        var arrived = expected.Where(p => models is not null && models.ContainsKey(p)).ToList();
        if (arrived.Count < expected.Count && !timedOut)
        {
            return null;
        }

        // In-neighbours in graph order: a fixed order gives the same bits every run.
        _inbox.Remove(Round);
        return [.. arrived.Select(p => models![p].Model.DecodeWhole())];
    }

    private List<PeerId> Neighbours(long round, int direction)
    {
        var n = _peers.Count;
        if (_index < 0 || n < 2)
        {
            return [];
        }

        var offsets = new List<int>();
        switch (_options.Topology)
        {
            case DpsgdTopology.Exponential:
                var levels = Math.Max(1, (int)Math.Floor(Math.Log2(n)));
                offsets.Add(1 << (int)((round - 1) % levels));
                break;
            case DpsgdTopology.Ring:
                offsets.Add(1);
                offsets.Add(-1);
                break;
            default:
                for (var d = 1; d <= _options.Degree / 2; d++)
                {
                    offsets.Add(d);
                    offsets.Add(-d);
                }

                break;
        }

        var result = new List<PeerId>();
        foreach (var offset in offsets)
        {
            var peer = _peers[((((_index + (direction * offset)) % n) + n) % n)];
            if (peer != Self && !result.Contains(peer))
            {
                result.Add(peer);
            }
        }

        return result;
    }
}
