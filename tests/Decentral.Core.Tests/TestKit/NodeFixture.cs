using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Sampling;

namespace Decentral.Core.Tests.TestKit;

/// <summary>
/// One <see cref="ModestNode"/> among <c>peerCount</c> founding members, driven by hand: the test
/// delivers messages, fires timers and completes training; <see cref="Effects"/> records what
/// the node asked for. The other peers exist only as ids.
/// </summary>
public sealed class NodeFixture
{
    private readonly HashSet<ProtocolMessage> _handledPings = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the fixture; <paramref name="chooseSelf"/> picks this node among the peers (default: peer 0).</summary>
    public NodeFixture(int peerCount = 30, ModestOptions? options = null, Func<PeerId[], PeerId>? chooseSelf = null, int seed = 7)
    {
        Peers = TestPeers.Range(peerCount);
        Self = chooseSelf?.Invoke(Peers) ?? Peers[0];
        Options = options ?? SmallOptions();
        View = new MembershipView(TestPeers.FoundersBase(Peers));
        Node = new ModestNode(Self, Options, View, new ViewRoundOrder(), Effects, new Random(seed));
    }

    /// <summary>All founding members (including <see cref="Self"/>).</summary>
    public PeerId[] Peers { get; }

    /// <summary>The node under test.</summary>
    public PeerId Self { get; }

    /// <summary>The options the node runs with.</summary>
    public ModestOptions Options { get; }

    /// <summary>The node's view.</summary>
    public MembershipView View { get; }

    /// <summary>The recorded effects.</summary>
    public RecordingEffects Effects { get; } = new();

    /// <summary>The node.</summary>
    public ModestNode Node { get; }

    /// <summary>
    /// Options for small tests: s = 5, a = 1, sf = 0.6 (3 models), ping timeout 3 s, resend 1 s, and
    /// the reference's just-in-time liveness searches (no <see cref="ModestOptions.SearchAhead"/>),
    /// so each step's messages are the paper's; search-ahead has its own tests.
    /// </summary>
    public static ModestOptions SmallOptions() => new()
    {
        SampleSize = 5,
        Aggregators = 1,
        SuccessFraction = 0.6,
        PingTimeout = TimeSpan.FromSeconds(3),
        PingResend = TimeSpan.FromSeconds(1),
        InactivityThreshold = 20,
        AggregationTimeout = TimeSpan.FromSeconds(30),
        MinModels = 2,
        AckTimeout = TimeSpan.FromSeconds(40),
        SendRetry = TimeSpan.FromSeconds(1),
        MaxSendRetries = 2,
        AdvertFanoutFactor = 2,
        ResyncCooldownRounds = 5,
        SearchAhead = false,
    };

    /// <summary>A small model whose parameters all equal <paramref name="value"/>.</summary>
    public static ModelVector Model(float value, int length = 4) => new("test", Enumerable.Repeat(value, length).ToArray());

    /// <summary>The rank order of all founding members in <paramref name="round"/>.</summary>
    public PeerId[] OrderOf(long round) => TestPeers.OrderOf(Peers, round);

    /// <summary>A peer other than <see cref="Self"/>, by its position among the others in the order of <paramref name="round"/>.</summary>
    public PeerId Other(long round, int position) => OrderOf(round).Where(p => p != Self).ElementAt(position);

    /// <summary>The first round at or after <paramref name="from"/> where <paramref name="condition"/> holds for its order.</summary>
    public long FindRound(Func<PeerId[], bool> condition, long from = 2)
    {
        for (var round = from; round < from + 10_000; round++)
        {
            if (condition(OrderOf(round)))
            {
                return round;
            }
        }

        throw new InvalidOperationException("No round satisfies the condition.");
    }

    /// <summary>
    /// Starts the node and makes it train a round k (received from another peer) whose next order,
    /// order(k+1), satisfies <paramref name="nextOrder"/>; returns k.
    /// </summary>
    public long StartTraining(Func<PeerId[], bool> nextOrder)
    {
        Node.Start(Model(0));
        var k = FindRound(nextOrder, from: 3) - 1;
        DeliverAggregate(Other(k, 0), k);
        return k;
    }

    /// <summary>
    /// Answers every ping sent since the last call with a pong from its receiver, when
    /// <paramref name="alive"/> says it is alive (default: all are), until no new pings appear.
    /// A pong's train estimate is <paramref name="trainEstimate"/> of its sender, by default the
    /// ping's round estimate (a peer as far on as the node that pings it); its sent-elsewhere round
    /// is <paramref name="sentElsewhere"/> of its sender, by default 0 (no model sent to others).
    /// </summary>
    public void AnswerPings(Func<PeerId, bool>? alive = null, Func<PeerId, long>? trainEstimate = null, Func<PeerId, long>? sentElsewhere = null,
        Func<PeerId, long>? membershipIndex = null)
    {
        for (var i = 0; i < Effects.Sent.Count; i++)
        {
            var (to, message) = Effects.Sent[i];
            if (message is Ping ping && _handledPings.Add(ping) && (alive?.Invoke(to) ?? true))
            {
                Node.Receive(to, new Pong(ping.Nonce, 0, membershipIndex?.Invoke(to) ?? 1, trainEstimate?.Invoke(to) ?? ping.RoundEstimate,
                    sentElsewhere?.Invoke(to) ?? 0));
            }
        }
    }

    /// <summary>Leaves the pings sent so far unanswered for good.</summary>
    public void IgnorePings()
    {
        foreach (var (_, message) in Effects.Sent)
        {
            if (message is Ping)
            {
                _handledPings.Add(message);
            }
        }
    }

    /// <summary>Fires the single pending timer of <paramref name="kind"/>.</summary>
    public void Fire(TimerKind kind)
    {
        var key = Effects.PendingTimer(kind);
        Effects.PendingTimers.Remove(key);
        Node.TimerFired(key);
    }

    /// <summary>Fires ping-resend timers until no liveness search is waiting (silent candidates time out).</summary>
    public void ExhaustSearches(Func<PeerId, bool>? alive = null)
    {
        for (var i = 0; i < 1000 && Effects.PendingTimers.Keys.Any(k => k.Kind == TimerKind.PingResend); i++)
        {
            var key = Effects.PendingTimers.Keys.First(k => k.Kind == TimerKind.PingResend);
            Effects.PendingTimers.Remove(key);
            Node.TimerFired(key);
            AnswerPings(alive);
        }
    }

    /// <summary>A view update carrying no records and this node's current digest (no resync).</summary>
    public ViewUpdate NoNews() => ViewUpdate.Empty(View.Digest);

    /// <summary>Delivers an aggregated model of <paramref name="round"/> from <paramref name="from"/>.</summary>
    public void DeliverAggregate(PeerId from, long round, float value = 1f) =>
        Node.Receive(from, new AggregatedModel(round, Model(value), NoNews()));

    /// <summary>Delivers a trained model tagged <paramref name="round"/> from <paramref name="from"/>.</summary>
    public void DeliverTrained(PeerId from, long round, float value = 1f, int samples = 10) =>
        Node.Receive(from, new TrainedModel(round, Model(value), samples, NoNews()));
}
