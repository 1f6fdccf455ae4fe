using System.Buffers;
using System.Globalization;
using Decentral.Codecs;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Sampling;
using Decentral.Wire;

namespace Decentral.Core.Tests.TestKit;

/// <summary>
/// A small deterministic multi-node run of <see cref="ModestNode"/>s: one event queue ordered by
/// (virtual time, sequence number), a fixed one-way message delay, and "training" that adds a
/// constant to every parameter after a fixed duration (zero: the next event). Aggregation is the
/// nodes' own. Crashed nodes receive nothing; a message to one is dropped and its sender gets
/// <see cref="ModestNode.SendFailed"/> one message delay later. Everything observable goes into
/// <see cref="Log"/>, so two runs with the same seed can be compared line by line.
/// By default a message object is handed to its receiver as it was sent (as in the simulator).
/// With a <c>wire</c> pool the harness drives the nodes as the node runtime does: every message is
/// encoded to bytes when sent and released, after its failure came back if it failed; receivers
/// get it decoded into pooled buffers; the nodes encode into bodies rented from that pool.
/// </summary>
public sealed class ProtocolHarness
{
    private readonly PriorityQueue<Action, (long Time, long Seq)> _queue = new();
    private readonly Dictionary<(int Node, TimerKey Key), long> _timerTokens = [];
    private readonly HashSet<int> _crashed = [];
    private readonly Dictionary<PeerId, int> _index = [];
    private readonly long _messageDelay;
    private readonly long _trainingTime;
    private readonly float _trainingStep;
    private readonly WireCodec? _codec;
    private long _seq;
    private long _nextToken;

    /// <summary>
    /// Creates <paramref name="nodeCount"/> nodes with seeded randomness. The first
    /// <paramref name="founders"/> (default: all) are founding members that every view starts
    /// with; the others are newcomers that know the founders and must <see cref="Join"/>.
    /// </summary>
    internal ProtocolHarness(int nodeCount, ModestOptions options, int seed, TimeSpan messageDelay, TimeSpan trainingTime, float trainingStep = 1f, int? founders = null, BodyPool? wire = null)
    {
        _codec = wire is null ? null : new WireCodec();
        _messageDelay = messageDelay.Ticks;
        _trainingTime = trainingTime.Ticks;
        _trainingStep = trainingStep;
        Peers = TestPeers.Range(nodeCount);
        Founders = founders ?? nodeCount;
        var shared = TestPeers.FoundersBase(Peers.Take(Founders));
        var order = new SharedRoundOrder(Peers);
        var nodes = new ModestNode[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            _index[Peers[i]] = i;
            nodes[i] = new ModestNode(Peers[i], options, new MembershipView(shared), order, new Effects(this, i), new Random((seed * 7919) + i)) { BodyPoolOverride = wire };
        }

        Nodes = nodes;
    }

    /// <summary>The peers, by node index.</summary>
    public PeerId[] Peers { get; }

    /// <summary>Nodes 0 .. Founders-1 are founding members.</summary>
    public int Founders { get; }

    /// <summary>The nodes, by index.</summary>
    public IReadOnlyList<ModestNode> Nodes { get; }

    /// <summary>Observations as text lines: virtual time, node, kind, round, count, model checksum.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Virtual time of the event being (or last) processed.</summary>
    public TimeSpan Now { get; private set; }

    /// <summary>Events processed so far.</summary>
    public long EventsProcessed { get; private set; }

    /// <summary>Highest round whose aggregate was sent to a sample.</summary>
    public long HighestAggregatedRound { get; private set; }

    /// <summary>Rounds aggregated, counted per round (a round aggregated by two aggregators counts twice).</summary>
    public SortedDictionary<long, int> AggregatedRounds { get; } = [];

    /// <summary>Training rounds started, by node index.</summary>
    public List<(int Node, long Round)> TrainingsStarted { get; } = [];

    /// <summary>The initial model every founder starts from.</summary>
    public static ModelVector InitialModel(int length = 4) => new("harness", new float[length]);

    /// <summary>Starts every founder that has not crashed with the same initial model.</summary>
    public void StartAll(ModelVector initial)
    {
        for (var i = 0; i < Founders; i++)
        {
            if (!_crashed.Contains(i))
            {
                var node = Nodes[i];
                Schedule(0, () => node.Start(initial));
            }
        }
    }

    /// <summary>Crashes node <paramref name="index"/>: it sends and receives nothing from now on.</summary>
    public void Crash(int index) => _crashed.Add(index);

    /// <summary>Node <paramref name="index"/> leaves gracefully now (between events).</summary>
    public void Leave(int index) => Nodes[index].Leave();

    /// <summary>Node <paramref name="index"/> (re)joins now (between events).</summary>
    public void Join(int index) => Nodes[index].Join();

    /// <summary>True when node <paramref name="index"/> crashed.</summary>
    public bool IsCrashed(int index) => _crashed.Contains(index);

    /// <summary>Runs events until <paramref name="stop"/> holds, the queue empties or a limit is hit; true when stopped by the condition.</summary>
    public bool RunUntil(Func<bool> stop, TimeSpan maxTime, long maxEvents = 2_000_000)
    {
        while (!stop())
        {
            if (EventsProcessed >= maxEvents || !_queue.TryPeek(out _, out var at) || at.Time > maxTime.Ticks)
            {
                return false;
            }

            _queue.Dequeue()();
            EventsProcessed++;
        }

        return true;
    }

    private void Schedule(long delay, Action action)
    {
        var time = Now.Ticks + delay;
        _queue.Enqueue(() =>
        {
            Now = TimeSpan.FromTicks(time);
            action();
        }, (time, ++_seq));
    }

    private void Deliver(int from, PeerId to, ProtocolMessage message)
    {
        var target = _index[to];
        if (_crashed.Contains(target))
        {
            Schedule(_messageDelay, () =>
            {
                IfAlive(from, n => n.SendFailed(to, message));
                if (_codec is not null)
                {
                    message.Release();
                }
            });
            return;
        }

        var sender = Peers[from];
        if (_codec is not null)
        {
            var bytes = new ArrayBufferWriter<byte>();
            _codec.Encode(message, bytes);
            message.Release();
            var decoded = _codec.Decode(bytes.WrittenMemory);
            message = decoded.Message ?? throw new InvalidOperationException($"A {message.Kind} did not decode: {decoded.Error} {decoded.Detail}");
        }

        Schedule(_messageDelay, () =>
        {
            if (_crashed.Contains(target))
            {
                message.Release();
            }

            IfAlive(target, n => n.Receive(sender, message));
        });
    }

    private void IfAlive(int index, Action<ModestNode> action)
    {
        if (!_crashed.Contains(index))
        {
            action(Nodes[index]);
        }
    }

    private void Train(int index, long round, ModelVector start)
    {
        TrainingsStarted.Add((index, round));
        var parameters = start.Parameters.Select(p => p + _trainingStep).ToArray();
        var samples = 10 + (index % 3);
        var trained = new ModelVector(start.LayoutId, parameters, start.SamplesTrained + samples);
        Schedule(_trainingTime, () => IfAlive(index, n => n.TrainingCompleted(round, trained, samples)));
    }

    private void SetTimer(int index, TimerKey key, TimeSpan delay)
    {
        var token = ++_nextToken;
        _timerTokens[(index, key)] = token;
        Schedule(delay.Ticks, () =>
        {
            if (_timerTokens.TryGetValue((index, key), out var current) && current == token)
            {
                _timerTokens.Remove((index, key));
                IfAlive(index, n => n.TimerFired(key));
            }
        });
    }

    private void Record(int index, ProtocolObservation o)
    {
        var checksum = o.Model is { } m ? m.Parameters.Sum().ToString("R", CultureInfo.InvariantCulture) : "-";
        Log.Add(string.Create(CultureInfo.InvariantCulture, $"{Now.Ticks} n{index} {o.Kind} r{o.Round} c{o.Count} m{checksum}"));
        if (o.Kind == ObservationKind.Aggregated)
        {
            HighestAggregatedRound = Math.Max(HighestAggregatedRound, o.Round);
            AggregatedRounds[o.Round] = AggregatedRounds.GetValueOrDefault(o.Round) + 1;
        }
    }

    private sealed class Effects(ProtocolHarness harness, int index) : IProtocolEffects
    {
        public bool ReleasesSentModels => harness._codec is not null;

        public void Send(PeerId to, ProtocolMessage message) => harness.Deliver(index, to, message);

        public void StartTraining(long round, ModelVector start) => harness.Train(index, round, start);

        public void CancelTraining(long round)
        {
            // Completions of cancelled rounds still arrive; the node must ignore them (tested).
        }

        public void SetTimer(TimerKey key, TimeSpan delay) => harness.SetTimer(index, key, delay);

        public void CancelTimer(TimerKey key) => harness._timerTokens.Remove((index, key));

        public void Observe(ProtocolObservation observation) => harness.Record(index, observation);
    }
}
