using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Baselines;

/// <summary>
/// Epidemic Learning: every round each node trains, sends its trained model
/// (<see cref="TrainedModel"/> tagged with the round) to s peers chosen uniformly at random, and
/// averages (equal weights) its own model with the models it received since its last average. It
/// averages as soon as it holds s received models or <see cref="EpidemicOptions.RoundWait"/> after
/// its own send, whichever is first, observes <see cref="ObservationKind.Aggregated"/> with the
/// average and trains it as the next round.
/// </summary>
/// <remarks>
/// Life cycle: founders start round 1 from the shared initial model; newcomers take no part.
/// A received model older than the previous round is ignored as stale; one model is kept per
/// sender (the newest).
/// </remarks>
public sealed class EpidemicNode : RoundBasedNode
{
    private readonly PeerId[] _peers;
    private readonly int _fanout;
    private readonly EpidemicOptions _options;
    private readonly SortedDictionary<PeerId, TrainedModel> _inbox = [];
    private bool _member;

    /// <summary>Creates the node.</summary>
    /// <param name="self">This peer.</param>
    /// <param name="peers">Peers it may send to (itself excluded here).</param>
    /// <param name="fanout">Peers per round (s).</param>
    /// <param name="options">The wait (validated here).</param>
    /// <param name="view">The founding view (read by telemetry only).</param>
    /// <param name="effects">The driver.</param>
    /// <param name="random">Seeded randomness (targets).</param>
    public EpidemicNode(PeerId self, IEnumerable<PeerId> peers, int fanout, EpidemicOptions options, MembershipView view, IProtocolEffects effects, Random random)
        : base(self, view, effects, random)
    {
        _peers = [.. (peers ?? throw new ArgumentNullException(nameof(peers))).Where(p => p != self)];
        ArgumentOutOfRangeException.ThrowIfLessThan(fanout, 1);
        _fanout = fanout;
        _options = BaselineChecks.EnsureValid(options ?? throw new ArgumentNullException(nameof(options)), options.Validate(), "Epidemic Learning");
    }

    /// <summary>Models received and not yet averaged.</summary>
    public int Received => _inbox.Count;

    /// <inheritdoc />
    protected override void OnStart(ModelVector initialModel)
    {
        _member = true;
        BeginFirstRound(initialModel);
    }

    /// <inheritdoc />
    protected override void OnReceive(PeerId from, ProtocolMessage message)
    {
        if (!_member || message is not TrainedModel trained || trained.Round < Round - 1)
        {
            Observe(ObservationKind.StaleIgnored, Round);
            return;
        }

        if (!_inbox.TryGetValue(from, out var held) || held.Round <= trained.Round)
        {
            _inbox[from] = trained;
        }

        TryFinish(timedOut: false);
    }

    /// <inheritdoc />
    protected override TimeSpan RoundTimeout => _options.RoundWait;

    /// <inheritdoc />
    protected override int SendTrained(TrainedModel message)
    {
        var targets = (PeerId[])_peers.Clone();
        var take = Math.Min(_fanout, targets.Length);
        for (var i = 0; i < take; i++)
        {
            var j = i + Random.Next(targets.Length - i);
            (targets[i], targets[j]) = (targets[j], targets[i]);
            Effects.Send(targets[i], message);
        }

        return take;
    }

    /// <inheritdoc />
    protected override IReadOnlyList<ModelVector>? TakeReceived(bool timedOut)
    {
        if (_inbox.Count < _fanout && !timedOut)
        {
            return null;
        }

        // Senders by id: a fixed order gives the same bits every run.
        var models = _inbox.Values.Select(m => m.Model.DecodeWhole()).ToList();
        _inbox.Clear();
        return models;
    }
}
