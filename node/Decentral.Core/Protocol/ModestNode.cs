using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Sampling;

namespace Decentral.Protocol;

/// <summary>
/// The MoDeST state machine of one peer, with no I/O, clock or randomness of its own: events go in
/// through the public methods, effects come out through <see cref="IProtocolEffects"/>.
/// </summary>
/// <remarks>
/// Life cycle: construct (offline) → <see cref="Start"/> (a founding member, possibly
/// bootstrapping round 1) or <see cref="Join"/> (a newcomer or a returning peer, which adverts
/// JOIN) → events: <see cref="Receive"/>, <see cref="TimerFired"/>, <see cref="TrainingCompleted"/>,
/// <see cref="SendFailed"/> → <see cref="Leave"/> (graceful) or simply no more events (a crash).
/// Roles are per round: as trainer it trains the aggregated model of round k it received and
/// sends the result, tagged k+1, to the aggregators of k+1; as aggregator it collects models
/// tagged k, averages them and sends the aggregate to the sample of k. Several aggregations may
/// run at once, keyed by round. Messages to itself are delivered after the current event, never
/// re-entrantly. One thread at a time: drivers serialize events per node.
/// </remarks>
public sealed partial class ModestNode : IProtocolNode
{
    private readonly ModestOptions _options;
    private readonly IRoundOrder _order;
    private readonly IProtocolEffects _effects;
    private readonly Random _random;
    private readonly Queue<ProtocolMessage> _selfInbox = new();
    private readonly List<PeerRecord> _pendingJoins = [];
    private readonly Dictionary<PeerId, long> _sentVersion = [];
    private readonly Dictionary<PeerId, long> _lastResyncRound = [];
    private readonly List<(long Round, long Version)> _checkpoints = [];
    private bool _dispatching;
    private long _maxLastActive;
    private long _viewCheckRound = -1;
    private readonly Dictionary<PeerId, long> _toldLeave = [];

    // Aggregates relayed since this node left, by round and sender (each is relayed once).
    private readonly HashSet<(long Round, PeerId From)> _relayed = [];

    // The trained model this node had sent and still awaited Acks for when it left, with the
    // aggregators it went to: a Nack after the leave sends it on to the next one (PassOnAfterLeave).
    private TrainerSend? _sentWhenLeft;

    // The peers extra hand-offs of the round this node trains went on to (see PassOnExtraHandOff).
    private (long Round, HashSet<PeerId> Targets) _extraHandOffs = (0, []);

    /// <summary>Creates a node; it does nothing until <see cref="Start"/> or <see cref="Join"/>.</summary>
    /// <param name="self">This peer.</param>
    /// <param name="options">Protocol parameters (validated here).</param>
    /// <param name="view">This peer's membership view (it may share a base with others).</param>
    /// <param name="order">Where rank orders come from.</param>
    /// <param name="effects">The driver that carries out effects.</param>
    /// <param name="random">Seeded randomness (shuffles and advert targets).</param>
    public ModestNode(PeerId self, ModestOptions options, MembershipView view, IRoundOrder order, IProtocolEffects effects, Random random)
    {
        Self = self ?? throw new ArgumentNullException(nameof(self));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).EnsureValid();
        View = view ?? throw new ArgumentNullException(nameof(view));
        _order = order ?? throw new ArgumentNullException(nameof(order));
        _effects = effects ?? throw new ArgumentNullException(nameof(effects));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _rule = _options.Robustness.CreateRule();
        _validator = _options.Robustness.CreateValidator();
    }

    /// <summary>This peer.</summary>
    public PeerId Self { get; }

    /// <summary>This peer's view (read it; only the node changes it).</summary>
    public MembershipView View { get; }

    /// <summary>The version of this peer's own membership record.</summary>
    public long MembershipIndex { get; private set; } = 1;

    /// <summary>True between <see cref="Start"/>/<see cref="Join"/> and <see cref="Leave"/>.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>
    /// True from <see cref="Leave"/> to the next <see cref="Join"/>: the node takes no part, but
    /// passes on the model messages that still reach it (see <see cref="Receive"/>).
    /// </summary>
    public bool HasLeft { get; private set; }

    /// <summary>Highest round received as trainer.</summary>
    public long TrainEstimate { get; private set; }

    /// <summary>Highest round seen as aggregator.</summary>
    public long AggregateEstimate { get; private set; }

    /// <summary>max(train estimate, aggregate estimate, highest last-active round in the view).</summary>
    public long RoundEstimate => Math.Max(Math.Max(TrainEstimate, AggregateEstimate), _maxLastActive);

    /// <summary>JOIN adverts received and not yet applied (they apply at the next model send).</summary>
    public int PendingJoins => _pendingJoins.Count;

    /// <summary>
    /// Starts a founding member. Every founder holds the same <paramref name="initialModel"/>; the
    /// first s active peers of order(1) in this node's view train it as round 1.
    /// </summary>
    public void Start(ModelVector initialModel)
    {
        ArgumentNullException.ThrowIfNull(initialModel);
        IsRunning = true;
        HasLeft = false;
        TouchSelf();
        ArmViewCheck();
        KeepReference(initialModel);
        TrainIfSampled(1, initialModel);
    }

    /// <summary>
    /// Restarts a session that came to a stop: every peer came back from a checkpoint at once, so
    /// none holds a round in flight and nobody would ever send the model that starts the next
    /// one. Called on a running node (after <see cref="Join"/>) by a driver that saw no progress
    /// for a while: if this peer is one of the first s active peers of order(<paramref name="round"/>)
    /// in its view, it trains <paramref name="model"/> (its checkpoint's) as that round, which
    /// the round's aggregators combine as usual. Peers that resume with different models only
    /// make that round's trainers start from different points; with deltas, an aggregator that
    /// lacks a trainer's base asks for it as for any other.
    /// </summary>
    /// <returns>True when this peer trains the round.</returns>
    public bool Resume(ModelVector model, long round)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        if (!IsRunning)
        {
            throw new InvalidOperationException("Resume needs a running node: call Join first.");
        }

        return TrainIfSampled(round, model);
    }

    // Trains the model as the given round when this peer ranks among the round's first s active
    // peers (founding: round 1 with the shared initial model; a resume: any round).
    private bool TrainIfSampled(long round, ModelVector model)
    {
        if (UsesDeltas)
        {
            // The round's trainers hold this model, so the next round's aggregator has the base of their deltas.
            AddBase(new ModelBase(round, ModelHash.Of(model.Parameters)), model);
        }

        var rank = 0;
        foreach (var peer in _order.Order(round, View))
        {
            if (rank >= _options.SampleSize)
            {
                break;
            }

            if (peer == Self || View.IsActive(peer, round, _options.InactivityThreshold))
            {
                if (peer == Self)
                {
                    TrainEstimate = Math.Max(TrainEstimate, round);
                    BeginTraining(round, model, received: null);
                    return true;
                }

                rank++;
            }
        }

        return false;
    }

    /// <summary>
    /// Joins (a newcomer) or rejoins (a returning peer, which bumps its membership index): adverts
    /// JOIN to <c>AdvertFanoutFactor × s</c> random known peers and waits to be sampled.
    /// </summary>
    public void Join()
    {
        if (View.TryGet(Self, out var own))
        {
            MembershipIndex = Math.Max(MembershipIndex, own.MembershipIndex + 1);
        }

        // A restart: whatever was in flight before going down is gone (its timers died with it),
        // and so is the error-feedback residual, which belongs to rounds long past.
        AbandonAll();
        _encoder?.ResetErrorFeedback();
        IsRunning = true;
        HasLeft = false;
        _relayed.Clear();
        _sentWhenLeft = null;
        TouchSelf();
        Advertise(MembershipStatus.Join);
        if (_options.ViewCheckInterval > TimeSpan.Zero)
        {
            // The others may hold this peer as LEAVE at the index it just took (its checkpoint
            // predates its last index): a member's view tells it now.
            AskForView();
            ArmViewCheck();
        }

        Flush();
    }

    /// <summary>
    /// Leaves gracefully: adverts LEAVE and stops taking part, passing on what others wait for. A
    /// node training an aggregate hands it to the peer that takes its place in the sample
    /// (<see cref="ObservationKind.TrainerReplaced"/>), and sends a trained model it had not sent
    /// yet; as aggregator it Nacks the contributors of every round it has not delivered, so they
    /// fail over at once rather than at their ack timeout. Other pending work is abandoned.
    /// </summary>
    public void Leave()
    {
        if (!IsRunning)
        {
            return;
        }

        MembershipIndex++;
        MergeRecord(new PeerRecord(Self, RoundEstimate, MembershipIndex, MembershipStatus.Leave));
        Advertise(MembershipStatus.Leave);
        PassOnTraining();
        NackUndelivered();
        if (_trainerSend is { Awaiting.Count: > 0 } awaiting)
        {
            _sentWhenLeft = awaiting.ToHeap();
        }

        IsRunning = false;
        HasLeft = true;
        AbandonAll();
    }

    /// <summary>
    /// A message from <paramref name="from"/> arrived (already decoded and validated). The node
    /// takes the message over: it releases the message's pooled model buffers (if any) when it no
    /// longer needs them, including at once for a message it ignores.
    /// </summary>
    /// <remarks>
    /// A node that left (<see cref="HasLeft"/>) still passes on the work that reaches it while its
    /// driver delivers: an aggregate goes to the first live peer after the round's sample (as a
    /// leaving trainer hands its own on), a trained model gets a Nack so its trainer fails over,
    /// and a Nack for the model this node had sent sends that model on to the next live aggregator.
    /// Two peers that leave at the same moment may hand each other their work; without this,
    /// that work would be lost and its round would wait out its timeouts.
    /// </remarks>
    public void Receive(PeerId from, ProtocolMessage message)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(message);
        if (!IsRunning)
        {
            if (HasLeft)
            {
                PassOnAfterLeave(from, message);
            }
            else
            {
                message.Release();
            }

            return;
        }

        Dispatch(from, message);
        Flush();
    }

    /// <summary>A timer set through <see cref="IProtocolEffects.SetTimer"/> fired.</summary>
    public void TimerFired(TimerKey key)
    {
        if (!IsRunning)
        {
            return;
        }

        switch (key.Kind)
        {
            case TimerKind.PingResend:
                SearchTick(key.Id);
                break;
            case TimerKind.AggregationTimeout:
                AggregationTimedOut(key.Id);
                break;
            case TimerKind.AckTimeout:
                AckTimedOut(key.Id);
                break;
            case TimerKind.SendRetry:
                RetrySend(key.Id);
                break;
            case TimerKind.AggregateWait:
                AggregateWaitOver(key.Id);
                break;
            case TimerKind.ViewCheck:
                ViewCheckTick();
                break;
            case TimerKind.TrainerCheck:
                CheckTrainers(key.Id);
                break;
            case TimerKind.AggregatorCheck:
                CheckAggregators(key.Id);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(key), key.Kind, "Unknown timer kind.");
        }

        Flush();
    }

    /// <summary>The driver could not deliver <paramref name="message"/> to <paramref name="to"/>.</summary>
    public void SendFailed(PeerId to, ProtocolMessage message)
    {
        if (!IsRunning)
        {
            return;
        }

        if (message is TrainedModel or AggregatedModel)
        {
            ScheduleRetry(to, message);
        }
        else if (message is BaseRequest request)
        {
            BaseRequestFailed(to, request);
        }
        else if (message is Ping ping && _options.PingFailFast)
        {
            SearchUnreachable(to, ping.Nonce);
        }

        Flush();
    }

    private void Dispatch(PeerId from, ProtocolMessage message)
    {
        if (_options.ViewCheckInterval > TimeSpan.Zero && message is not ViewSnapshot)
        {
            TellIfHeldAsLeave(from);
        }

        switch (message)
        {
            case Ping ping:
                LearnFromProbe(from, ping.RoundEstimate, ping.MembershipIndex);
                SendTo(from, new Pong(ping.Nonce, RoundEstimate, MembershipIndex, TrainEstimate, SentElsewhere(from)));
                break;
            case Pong pong:
                LearnFromProbe(from, pong.RoundEstimate, pong.MembershipIndex);
                SearchAnswered(from, pong);
                break;
            case AggregatedModel aggregated:
                OnAggregatedModel(from, aggregated);
                break;
            case TrainedModel trained:
                OnTrainedModel(from, trained);
                break;
            case Ack ack:
                OnAck(from, ack);
                break;
            case Advert advert:
                OnAdvert(from, advert);
                break;
            case ViewRequest request:
                if (request.MembershipDigest != View.Digest)
                {
                    TouchSelf();
                    SendTo(from, new ViewSnapshot(new ViewUpdate([.. View.Records()], View.Digest, IsFull: true)));
                }

                break;
            case ViewSnapshot snapshot:
                MergeUpdate(from, snapshot.View);
                break;
            case BaseRequest request:
                OnBaseRequest(from, request);
                break;
            case BaseReply reply:
                OnBaseReply(from, reply);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(message), message.Kind, "Unknown message kind.");
        }
    }

    // Sends, or queues for local delivery when the receiver is this node.
    private void SendTo(PeerId to, ProtocolMessage message)
    {
        if (to == Self)
        {
            _selfInbox.Enqueue(message);
        }
        else
        {
            _effects.Send(to, message);
        }
    }

    // Delivers queued self-messages after the event that produced them, so handlers never nest.
    private void Flush()
    {
        if (_dispatching)
        {
            return;
        }

        _dispatching = true;
        try
        {
            while (IsRunning && _selfInbox.TryDequeue(out var message))
            {
                Dispatch(Self, message);
            }

            DropSelfInbox();
        }
        finally
        {
            _dispatching = false;
        }
    }

    // Self-messages left when the node stops: nobody handles them, so their models are released here.
    private void DropSelfInbox()
    {
        while (_selfInbox.TryDequeue(out var message))
        {
            message.Release();
        }
    }

    private void Observe(ObservationKind kind, long round, int count = 0, ModelVector? model = null) =>
        _effects.Observe(new ProtocolObservation(kind, round, count, model));
}
