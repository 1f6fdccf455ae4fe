using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Baselines;

/// <summary>
/// Federated averaging (FedAvg) with one fixed server. The server never trains: each round it
/// samples s clients uniformly, sends them the global model (<see cref="AggregatedModel"/>),
/// collects their trained models (<see cref="TrainedModel"/> with the same round), averages them
/// weighted by sample count, observes <see cref="ObservationKind.Aggregated"/> with the new global
/// model and starts the next round. A client trains whatever round the server sends and returns it.
/// </summary>
/// <remarks>
/// Life cycle: the server starts round 1 in <see cref="BaselineNode.Start"/>; clients wait. A failed
/// send to a client (it crashed) removes it from the client list and samples a replacement. At the
/// round timeout the server aggregates if it holds at least <see cref="FedAvgOptions.MinModels"/>
/// models, otherwise it resamples the same round. Joiners advert JOIN to the server, leavers LEAVE.
/// </remarks>
public sealed class FedAvgNode : BaselineNode
{
    private readonly PeerId _server;
    private readonly List<PeerId> _clients;
    private readonly int _sampleSize;
    private readonly FedAvgOptions _options;
    private readonly List<PeerId> _sampled = [];
    private readonly Dictionary<PeerId, TrainedModel> _received = [];
    private ModelVector? _global;
    private long _round;

    /// <summary>Creates a server (when <paramref name="self"/> equals <paramref name="server"/>) or a client.</summary>
    /// <param name="self">This peer.</param>
    /// <param name="server">The server.</param>
    /// <param name="clients">The founding clients (the server ignores itself in this list).</param>
    /// <param name="sampleSize">Clients per round (s).</param>
    /// <param name="options">Timeouts (validated here).</param>
    /// <param name="view">The founding view (read by telemetry only).</param>
    /// <param name="effects">The driver.</param>
    /// <param name="random">Seeded randomness (client sampling).</param>
    public FedAvgNode(PeerId self, PeerId server, IEnumerable<PeerId> clients, int sampleSize, FedAvgOptions options, MembershipView view, IProtocolEffects effects, Random random)
        : base(self, view, effects, random)
    {
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _clients = [.. (clients ?? throw new ArgumentNullException(nameof(clients))).Where(p => p != server)];
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleSize, 1);
        _sampleSize = sampleSize;
        _options = BaselineChecks.EnsureValid(options ?? throw new ArgumentNullException(nameof(options)), options.Validate(), "FedAvg");
    }

    /// <summary>True on the server.</summary>
    public bool IsServer => Self == _server;

    /// <summary>Server: the round being collected. Client: the last round received.</summary>
    public long Round => _round;

    /// <summary>Server: clients it may sample.</summary>
    public IReadOnlyList<PeerId> Clients => _clients;

    /// <summary>Server: clients sampled in the current round.</summary>
    public IReadOnlyList<PeerId> Sampled => _sampled;

    /// <inheritdoc />
    protected override void OnStart(ModelVector initialModel)
    {
        if (IsServer)
        {
            _global = initialModel;
            BeginRound(1);
        }
    }

    /// <inheritdoc />
    protected override void OnJoin()
    {
        if (!IsServer)
        {
            Effects.Send(_server, new Advert(new PeerRecord(Self, 0, 1, MembershipStatus.Join)));
        }
    }

    /// <inheritdoc />
    protected override void OnLeave()
    {
        if (!IsServer)
        {
            Effects.Send(_server, new Advert(new PeerRecord(Self, _round, 2, MembershipStatus.Leave)));
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(PeerId from, ProtocolMessage message)
    {
        switch (message)
        {
            case AggregatedModel global when !IsServer && from == _server:
                _round = global.Round;
                Train(global.Round, global.Model.DecodeWhole());
                break;
            case TrainedModel trained when IsServer:
                OnTrainedModel(from, trained);
                break;
            case Advert advert when IsServer && advert.Record.Peer == from:
                _clients.Remove(from);
                if (advert.Record.Status == MembershipStatus.Join)
                {
                    _clients.Add(from);
                }

                break;
            default:
                Observe(ObservationKind.StaleIgnored, _round);
                break;
        }
    }

    /// <inheritdoc />
    protected override void OnTimer(TimerKey key)
    {
        if (!IsServer || key.Kind != TimerKind.RoundTimeout || key.Id != _round)
        {
            return;
        }

        if (_received.Count >= _options.MinModels)
        {
            Complete();
        }
        else
        {
            Observe(ObservationKind.AggregationDropped, _round, _received.Count);
            BeginRound(_round);
        }
    }

    /// <inheritdoc />
    protected override void OnTrained(long round, ModelVector trained, int samples)
    {
        if (!IsServer && round == _round)
        {
            Effects.Send(_server, new TrainedModel(round, trained, samples, NoView));
            Observe(ObservationKind.TrainingSent, round);
        }
    }

    /// <inheritdoc />
    protected override void OnSendFailed(PeerId to, ProtocolMessage message)
    {
        if (!IsServer || message is not AggregatedModel global || global.Round != _round)
        {
            return;
        }

        // The client is gone: forget it and ask another one, so the round still gets s models.
        _clients.Remove(to);
        _sampled.Remove(to);
        var replacement = Pick(1);
        if (replacement.Count == 1)
        {
            _sampled.Add(replacement[0]);
            Effects.Send(replacement[0], new AggregatedModel(_round, _global!, NoView));
        }
        else
        {
            Observe(ObservationKind.SampleShort, _round, _sampled.Count);
            if (_sampled.Count > 0 && _received.Count == _sampled.Count)
            {
                Complete();
            }
        }
    }

    private void OnTrainedModel(PeerId from, TrainedModel trained)
    {
        if (trained.Round != _round || !_sampled.Contains(from) || !_received.TryAdd(from, trained))
        {
            Observe(ObservationKind.StaleIgnored, trained.Round);
            return;
        }

        if (_received.Count == _sampled.Count)
        {
            Complete();
        }
    }

    private void BeginRound(long round)
    {
        _round = round;
        _received.Clear();
        _sampled.Clear();
        _sampled.AddRange(Pick(_sampleSize));
        if (_sampled.Count < _sampleSize)
        {
            Observe(ObservationKind.SampleShort, round, _sampled.Count);
        }

        foreach (var client in _sampled)
        {
            Effects.Send(client, new AggregatedModel(round, _global!, NoView));
        }

        Effects.SetTimer(new TimerKey(TimerKind.RoundTimeout, round), _options.RoundTimeout);
    }

    // Uniform choice of up to count clients not sampled yet this round.
    private List<PeerId> Pick(int count)
    {
        var candidates = _clients.Where(c => !_sampled.Contains(c)).ToArray();
        var take = Math.Min(count, candidates.Length);
        for (var i = 0; i < take; i++)
        {
            var j = i + Random.Next(candidates.Length - i);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
        }

        return [.. candidates.Take(take)];
    }

    private void Complete()
    {
        Effects.CancelTimer(new TimerKey(TimerKind.RoundTimeout, _round));
        // Canonical order: by sender id, so the bits do not depend on arrival order.
        var models = _received.OrderBy(p => p.Key).Select(p => (Model: p.Value.Model.DecodeWhole(), Weight: (double)p.Value.SampleCount)).ToList();
        _global = Average(models, models.Max(m => m.Model.SamplesTrained));
        Observe(ObservationKind.Aggregated, _round, models.Count, _global);
        BeginRound(_round + 1);
    }
}
