using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Baselines;

/// <summary>
/// Gossip Learning: every <see cref="GossipOptions.Period"/> a node pushes its current model
/// (<see cref="TrainedModel"/>) to one peer chosen uniformly at random; a receiver merges the
/// incoming model with its own, weighted by age (<see cref="ModelVector.SamplesTrained"/>), and
/// trains the merge on its local data. The merged model's age is the larger of the two ages.
/// </summary>
/// <remarks>
/// Life cycle: a founder starts by training the initial model once and arms its period timer at a
/// random phase within the first period (so pushes spread over time). A model arriving while the
/// node trains waits (merged with any earlier waiting one) and is merged when training finishes.
/// Telemetry: at each of its period ticks k a node observes <see cref="ObservationKind.Aggregated"/>
/// with round k and its current model; the simulator keeps the first node to reach tick k.
/// Newcomers start their timer and gossip once a model reaches them.
/// </remarks>
public sealed class GossipNode : BaselineNode
{
    private readonly PeerId[] _peers;
    private readonly GossipOptions _options;
    private ModelVector? _model;
    private ModelVector? _waiting;
    private long _trainRound;
    private bool _training;

    /// <summary>Creates the node.</summary>
    /// <param name="self">This peer.</param>
    /// <param name="peers">Peers it may push to (itself excluded here).</param>
    /// <param name="options">The period (validated here).</param>
    /// <param name="view">The founding view (read by telemetry only).</param>
    /// <param name="effects">The driver.</param>
    /// <param name="random">Seeded randomness (phase and push targets).</param>
    public GossipNode(PeerId self, IEnumerable<PeerId> peers, GossipOptions options, MembershipView view, IProtocolEffects effects, Random random)
        : base(self, view, effects, random)
    {
        _peers = [.. (peers ?? throw new ArgumentNullException(nameof(peers))).Where(p => p != self)];
        _options = BaselineChecks.EnsureValid(options ?? throw new ArgumentNullException(nameof(options)), options.Validate(), "Gossip Learning");
    }

    /// <summary>Period ticks so far.</summary>
    public long Ticks { get; private set; }

    /// <summary>The node's current model (null until it has one).</summary>
    public ModelVector? Model => _model;

    /// <inheritdoc />
    protected override void OnStart(ModelVector initialModel)
    {
        _model = initialModel;
        StartTraining(initialModel);
        ArmFirstTick();
    }

    /// <inheritdoc />
    protected override void OnJoin() => ArmFirstTick();

    /// <inheritdoc />
    protected override void OnLeave() => Effects.CancelTimer(new TimerKey(TimerKind.GossipPeriod, 0));

    /// <inheritdoc />
    protected override void OnReceive(PeerId from, ProtocolMessage message)
    {
        if (message is not TrainedModel incoming)
        {
            Observe(ObservationKind.StaleIgnored, Ticks);
            return;
        }

        if (_training)
        {
            _waiting = _waiting is null ? incoming.Model.DecodeWhole() : Merge(_waiting, incoming.Model.DecodeWhole());
            return;
        }

        StartTraining(_model is null ? incoming.Model.DecodeWhole() : Merge(_model, incoming.Model.DecodeWhole()));
    }

    /// <inheritdoc />
    protected override void OnTimer(TimerKey key)
    {
        if (key.Kind != TimerKind.GossipPeriod)
        {
            return;
        }

        Ticks++;
        Effects.SetTimer(new TimerKey(TimerKind.GossipPeriod, 0), _options.Period);
        if (_model is null)
        {
            return;
        }

        Observe(ObservationKind.Aggregated, Ticks, 1, _model);
        if (_peers.Length > 0)
        {
            Effects.Send(_peers[Random.Next(_peers.Length)], new TrainedModel(Ticks, _model, 0, NoView));
        }
    }

    /// <inheritdoc />
    protected override void OnTrained(long round, ModelVector trained, int samples)
    {
        if (round != _trainRound || !_training)
        {
            return;
        }

        _training = false;
        _model = trained;
        if (_waiting is { } waiting)
        {
            _waiting = null;
            StartTraining(Merge(trained, waiting));
        }
    }

    /// <summary>Age-weighted average; two untrained models count equally.</summary>
    public static ModelVector Merge(ModelVector mine, ModelVector theirs)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(theirs);
        var age = Math.Max(mine.SamplesTrained, theirs.SamplesTrained);
        return mine.SamplesTrained + theirs.SamplesTrained == 0
            ? Average([(mine, 1.0), (theirs, 1.0)], 0)
            : Average([(mine, mine.SamplesTrained), (theirs, theirs.SamplesTrained)], age);
    }

    private void StartTraining(ModelVector start)
    {
        _training = true;
        Train(++_trainRound, start);
    }

    private void ArmFirstTick() =>
        Effects.SetTimer(new TimerKey(TimerKind.GossipPeriod, 0), _options.Period * Random.NextDouble());
}
