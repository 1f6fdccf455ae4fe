using System.Buffers.Binary;
using System.Security.Cryptography;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Sampling;
using Decentral.Simulator.Attacks;
using Decentral.Simulator.Compute;
using SimChurn = Decentral.Simulator.Churn;
using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;
using Decentral.Simulator.Scenarios;
using Decentral.Wire;

namespace Decentral.Simulator.Runner;

/// <summary>
/// Runs a scenario: the real MoDeST core (<see cref="ModestNode"/>) on every simulated node, over
/// the simulated network and clock, with churn applied as scheduled. Deterministic: everything
/// random derives from the scenario seed, time is virtual, events tie-break by insertion order,
/// so the same scenario and seed write the same telemetry bytes.
/// </summary>
/// <remarks>
/// Memory per node stays small for large N: all nodes share one <see cref="SharedViewBase"/>
/// (the founding membership) and one <see cref="SharedRoundOrder"/>; each view holds only its
/// own changes. Message payloads are shared objects; the network counts their exact encoded size
/// (<see cref="WireCodec.EncodedSize"/>) without encoding them.
/// </remarks>
public sealed partial class ModestRun : IMessageHandler, SimChurn.IChurnHandler
{
    private readonly Scenario _scenario;
    private readonly LearningSetup _learning;
    private readonly SimNodeHost[] _hosts;
    private readonly Dictionary<PeerId, int> _index = [];
    private readonly DeviceProfiles _devices;
    private readonly ILocalTrainer?[] _trainers;
    private readonly Random _churnRandom;
    private readonly WireCodec _codec = new();
    // alie: who started training which round from which model, and models trained ahead of their
    // owner's completion (training is a pure function of start, node and round).
    private readonly Dictionary<long, List<(int Slot, ModelVector Start)>> _trainingStarts = [];
    private readonly Dictionary<(int Slot, long Round), (ModelVector Start, ModelVector Model, int Samples)> _trainedAhead = [];
    private int _nextJoiner;

    /// <summary>Builds the run (nothing happens until <see cref="Run"/>).</summary>
    public ModestRun(Scenario scenario, LearningSetup learning, TextWriter? telemetry = null)
    {
        _scenario = scenario ?? throw new ArgumentNullException(nameof(scenario));
        _learning = learning ?? throw new ArgumentNullException(nameof(learning));
        var errors = ScenarioLoader.Validate(scenario);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid scenario: " + string.Join(" ", errors), nameof(scenario));
        }

        var joiners = scenario.Churn.Where(c => c.Kind == ChurnKind.Join).Sum(c => c.Total ?? c.Count);
        var total = scenario.Nodes + joiners;
        _nextJoiner = scenario.Nodes;
        Simulation = new Simulation();
        Network = new SimNetwork(Simulation, BuildLatency(scenario), new NetworkOptions
        {
            NodeCount = total,
            Seed = DeriveSeed(scenario.Seed, "network"),
            LossProbability = scenario.Network.Loss,
            DefaultUploadBytesPerSecond = BytesPerSecond(scenario.Network.UploadMbps),
            DefaultDownloadBytesPerSecond = BytesPerSecond(scenario.Network.DownloadMbps),
        });
        _hosts = new SimNodeHost[total];
        Recorder = new TelemetryRecorder(this, telemetry);
        _churnRandom = new Random(DeriveSeed(scenario.Seed, "churn"));
        Attack = new ByzantineAttack(scenario);
        _trainers = new ILocalTrainer?[total];
        _devices = BuildDevices(scenario, total);
        _devices.ApplyBandwidth(Network);
        if (scenario.Algorithm == "fedavg")
        {
            var server = BytesPerSecond(scenario.Baselines.FedAvgServerMbps);
            Network.SetBandwidth(0, server, server);
        }

        var ids = new PeerId[total];
        for (var i = 0; i < total; i++)
        {
            ids[i] = SyntheticPeer(scenario.Seed, i);
            _index[ids[i]] = i;
        }

        var founders = new SharedViewBase(ids.Take(scenario.Nodes).Select(p => new PeerRecord(p, 0, 1, MembershipStatus.Join)));
        var order = new SharedRoundOrder(ids);
        for (var i = 0; i < total; i++)
        {
            var host = new SimNodeHost(this, i, ids[i]);
            host.Node = ProtocolFactory.Create(scenario.Algorithm, scenario.Protocol, scenario.Baselines, new NodeContext(i, ids[i], ids, scenario.Nodes, new MembershipView(founders), order, host, new Random(DeriveSeed(scenario.Seed, "node", i))));
            _hosts[i] = host;
            if (i >= scenario.Nodes)
            {
                Network.SetOnline(i, false);
            }
        }
    }

    /// <summary>The simulation (virtual clock and event queue).</summary>
    public Simulation Simulation { get; }

    /// <summary>The simulated network (traffic counters live here).</summary>
    public SimNetwork Network { get; }

    /// <summary>Per-round telemetry.</summary>
    public TelemetryRecorder Recorder { get; }

    /// <summary>The scenario being run.</summary>
    public Scenario Scenario => _scenario;

    /// <summary>The learning setup.</summary>
    public LearningSetup Learning => _learning;

    /// <summary>The run's Byzantine peers (none unless the scenario has an attack).</summary>
    public ByzantineAttack Attack { get; }

    /// <summary>Number of node slots (founders and joiners).</summary>
    public int NodeSlots => _hosts.Length;

    /// <summary>Nodes currently running (started or joined, not crashed or left).</summary>
    public int OnlineNodes { get; private set; }

    /// <summary>The protocol node in slot <paramref name="index"/> (for inspection).</summary>
    public IProtocolNode NodeAt(int index) => _hosts[index].Node;

    /// <summary>
    /// Runs until the stop condition; <paramref name="progress"/> is called about every 1% of
    /// stop.rounds and every 1% of stop.time (whichever limit comes first, progress reaches it).
    /// </summary>
    public RunSummary Run(Action<RunProgress>? progress = null)
    {
        var initial = new float[_learning.Task.ParameterCount];
        _learning.Task.InitialParameters(_scenario.Seed, initial);
        var model = new ModelVector(_learning.Task.LayoutId, initial);
        Recorder.EvaluateInitial(model);
        var schedule = BuildScheduledChurn(out var trace);
        for (var i = 0; i < _scenario.Nodes; i++)
        {
            var host = _hosts[i];
            if (trace is not null && !trace.InitiallyOnline(i))
            {
                // Offline in the trace at t=0: starts when the trace first turns it on.
                Network.SetOnline(i, false);
                continue;
            }

            host.Alive = host.EverStarted = true;
            OnlineNodes++;
            host.Started(model);
            host.Node.Start(model);
        }

        ScheduleChurn();
        if (schedule is not null)
        {
            SimChurn.ChurnDriver.Start(Simulation, schedule, this);
        }

        var stopAt = SimTime.FromTimeSpan(_scenario.Stop.Time);
        var target = _scenario.Stop.Rounds;
        // Progress goes toward whichever limit comes first: report every 1% of either.
        var roundStep = Math.Max(1, target / 100);
        var timeStep = Math.Max(1, stopAt / 100);
        var nextRound = (long)roundStep;
        var nextTime = timeStep;
        var outcome = Simulation.RunWhile(() =>
        {
            if (progress is not null && (Recorder.LastRound >= nextRound || Simulation.Now >= nextTime))
            {
                nextRound = Recorder.LastRound + roundStep;
                nextTime = ((Simulation.Now / timeStep) + 1) * timeStep;
                progress(new RunProgress(Recorder.LastRound, target, Simulation.Now, OnlineNodes, stopAt));
            }

            return Recorder.LastRound < target;
        }, stopAt);
        return Recorder.Finish(outcome);
    }

    internal PeerId PeerAt(int index) => _hosts[index].Peer;

    /// <summary>The current model of a running node in slot <paramref name="index"/> (see <see cref="SimNodeHost.CurrentModel"/>), null when it is down or has none.</summary>
    internal ModelVector? CurrentModelOf(int index) => _hosts[index] is { Alive: true } host ? host.CurrentModel : null;

    internal long TrainingTicks(int index) => _devices.TrainingTicks(index, _scenario.Learning.BatchSize, _scenario.Learning.LocalSteps);

    internal (ModelVector Model, int Samples) Train(int index, ModelVector start, long round)
    {
        var (model, samples) = TrainHonestly(index, start, round);
        if (Attack.PoisonsTraining(index))
        {
            model = Attack.PoisonTrained(index, round, start, model, () => HonestModels(round, start));
        }

        return (model, samples);
    }

    /// <summary>Slot <paramref name="index"/> started training <paramref name="round"/> from <paramref name="start"/>.</summary>
    internal void TrainingStarted(int index, long round, ModelVector start)
    {
        if (!Attack.NeedsHonestModels)
        {
            return;
        }

        if (!_trainingStarts.TryGetValue(round, out var starts))
        {
            _trainingStarts[round] = starts = [];
            foreach (var old in _trainingStarts.Keys.Where(r => r < round - 8).ToList())
            {
                _trainingStarts.Remove(old);
            }

            foreach (var old in _trainedAhead.Keys.Where(k => k.Round < round - 8).ToList())
            {
                _trainedAhead.Remove(old);
            }
        }

        starts.Add((index, start));
    }

    private (ModelVector Model, int Samples) TrainHonestly(int index, ModelVector start, long round)
    {
        if (_trainedAhead.Remove((index, round), out var ahead) && ReferenceEquals(ahead.Start, start))
        {
            return (ahead.Model, ahead.Samples);
        }

        var trainer = _trainers[index] ??= _learning.TrainerFor(index);
        var result = new float[start.Length];
        var outcome = trainer.Train(start.Parameters, result, round);
        return (new ModelVector(start.LayoutId, result, start.SamplesTrained + outcome.SamplesUsed), outcome.SamplesUsed);
    }

    // The models the honest trainers of the round send, trained now if their owners have not
    // finished yet and kept for them: what an omniscient alie attacker knows.
    private List<ModelVector> HonestModels(long round, ModelVector start)
    {
        var models = new List<ModelVector>();
        foreach (var (slot, from) in _trainingStarts.GetValueOrDefault(round) ?? [])
        {
            if (Attack.IsAttacker(slot) || !ReferenceEquals(from, start))
            {
                continue;
            }

            if (!_trainedAhead.TryGetValue((slot, round), out var ahead) || !ReferenceEquals(ahead.Start, start))
            {
                var (model, samples) = TrainHonestly(slot, start, round);
                _trainedAhead[(slot, round)] = ahead = (start, model, samples);
            }

            models.Add(ahead.Model);
        }

        return models;
    }

    internal void Send(SimNodeHost from, PeerId to, ProtocolMessage message)
    {
        var target = _index[to];
        var bytes = _codec.EncodedSize(message);
        Recorder.Sent(from, target, message, bytes, _codec);
        Network.Send(from.Index, target, bytes, (int)message.Kind, message, this);
    }

    /// <inheritdoc />
    public void OnDelivered(in SimMessage message)
    {
        var host = _hosts[message.To];

        // A node that left stays online a few seconds and passes on the model messages that reach it.
        if (host.Alive || host.Node is ModestNode { HasLeft: true })
        {
            host.Node.Receive(_hosts[message.From].Peer, (ProtocolMessage)message.Payload!);
        }
    }

    /// <inheritdoc />
    public void OnFailed(in SimMessage message, DeliveryFailure failure)
    {
        var sender = _hosts[message.From];
        if (sender.Alive)
        {
            sender.Node.SendFailed(_hosts[message.To].Peer, (ProtocolMessage)message.Payload!);
        }
    }

    // FedScale's device model: synthetic lognormal speeds around the median, or a capacity trace.
    private static DeviceProfiles BuildDevices(Scenario s, int total)
    {
        if (s.Compute.CapacityTrace is { } path)
        {
            var trace = CapacityTrace.Load(path);
            return trace.IsSuccess
                ? DeviceProfiles.FromTrace(trace.Value!, total)
                : throw new ArgumentException($"compute.capacityTrace: cannot load '{path}': {trace.Error}");
        }

        return DeviceProfiles.Synthetic(total, DeriveSeed(s.Seed, "compute"), baseMs: s.Compute.MsPerSampleMedian / Math.E, mu: 1, sigma: s.Compute.Sigma);
    }

    private static ILatencyModel BuildLatency(Scenario s) => s.Network.Latency switch
    {
        "constant" => new ConstantLatencyModel(s.Network.ConstantLatency),
        "synthetic" => new SiteLatencyModel(SiteLatencyMatrix.Synthetic(s.Network.Sites, DeriveSeed(s.Seed, "sites")), DeriveSeed(s.Seed, "site-assignment")),
        var path => new SiteLatencyModel(LoadMatrix(path), DeriveSeed(s.Seed, "site-assignment")),
    };

    private static SiteLatencyMatrix LoadMatrix(string path)
    {
        var load = SiteLatencyMatrix.Load(path);
        return load.IsSuccess ? load.Value! : throw new ArgumentException($"network.latency: cannot load site matrix '{path}': {load.Error}");
    }

    private static double BytesPerSecond(double mbps) => mbps <= 0 ? double.PositiveInfinity : mbps * 1_000_000 / 8;

    /// <summary>A peer id for simulated node <paramref name="index"/>: SHA-256 of (seed, index) as the public key.</summary>
    public static PeerId SyntheticPeer(int seed, int index)
    {
        Span<byte> input = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(input, seed);
        BinaryPrimitives.WriteInt32BigEndian(input[4..], index);
        return PeerId.FromPublicKey(SHA256.HashData(input));
    }

    /// <summary>A stable sub-seed for one purpose of a run (see <see cref="Seeds.Derive(long, string, long)"/>).</summary>
    public static int DeriveSeed(int seed, string purpose, int index = 0) => Seeds.Derive(seed, purpose, index);
}

/// <summary>Progress of a running simulation, toward whichever of its two stop limits comes first.</summary>
/// <param name="Round">Latest aggregated round.</param>
/// <param name="TargetRounds">Rounds to reach (stop.rounds).</param>
/// <param name="VirtualTicks">Virtual time in microseconds.</param>
/// <param name="OnlineNodes">Nodes running.</param>
/// <param name="StopTicks">Virtual time at which the run stops (stop.time) in microseconds.</param>
public readonly record struct RunProgress(long Round, int TargetRounds, long VirtualTicks, int OnlineNodes, long StopTicks)
{
    /// <summary>The share of the run done, 0 to 1: the further of rounds toward stop.rounds and time toward stop.time.</summary>
    public double Fraction => Math.Clamp(Math.Max(TargetRounds > 0 ? (double)Round / TargetRounds : 0, StopTicks > 0 ? (double)VirtualTicks / StopTicks : 0), 0, 1);

    /// <summary>
    /// The virtual time (microseconds) at which the run is expected to stop: stop.time, or
    /// earlier when the rounds so far, at their rate, reach stop.rounds before it.
    /// </summary>
    public long ExpectedStopTicks => Round > 0 && TargetRounds > 0
        ? Math.Min(StopTicks, (long)Math.Ceiling((double)VirtualTicks * TargetRounds / Round))
        : StopTicks;
}
