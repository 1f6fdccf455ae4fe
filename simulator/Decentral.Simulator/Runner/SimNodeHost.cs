using Decentral.Codecs;
using Decentral.Baselines;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Simulator.Attacks;
using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Runner;

/// <summary>
/// Carries out one simulated node's protocol effects on the simulation: sends go through the
/// simulated network, timers and training completions become simulation events. Timer keys are
/// packed into the event argument (kind in the top byte), so timers allocate nothing.
/// </summary>
internal sealed class SimNodeHost : IProtocolEffects, ISimEventHandler
{
    private const int KindShift = 56;
    private const long IdMask = (1L << KindShift) - 1;
    private const long TrainingArg = -1;
    private readonly ModestRun _run;
    private readonly Dictionary<TimerKey, EventHandle> _timers = [];
    private EventHandle _training;
    private long _trainingRound;
    private ModelVector? _trainingStart;
    private ModelVector? _lastAggregate;
    // A Byzantine aggregator's replacement for the aggregate of its latest round, made once per round.
    private (long Round, ModelVector Honest, ModelVector Poisoned)? _poisoned;
    private (ModelVector Model, EncodedModel Encoded)? _poisonedEncoded;

    public SimNodeHost(ModestRun run, int index, PeerId peer)
    {
        _run = run;
        Index = index;
        Peer = peer;
    }

    public int Index { get; }

    public PeerId Peer { get; }

    public IProtocolNode Node { get; set; } = null!;

    /// <summary>True once started or joined; false before and after a crash or leave.</summary>
    public bool Alive { get; set; }

    /// <summary>Set once the node ever ran (a joiner that has not joined yet has not).</summary>
    public bool EverStarted { get; set; }

    /// <summary>
    /// The model this node holds now, as evaluated in the baselines' mean-over-nodes telemetry:
    /// Gossip Learning's current model; for the round-based baselines the latest average the node
    /// observed (the model it trains next), or the initial model before its first average; null
    /// when the node never had one (a newcomer of a fixed-membership baseline). Only read: models
    /// are never written after they are made, so evaluating one cannot disturb training.
    /// </summary>
    public ModelVector? CurrentModel => Node is GossipNode gossip ? gossip.Model : _lastAggregate;

    /// <summary>Records the model a node starts from (before its first average).</summary>
    public void Started(ModelVector initial) => _lastAggregate ??= initial;

    public void Send(PeerId to, ProtocolMessage message)
    {
        if (message is AggregatedModel aggregated && _run.Attack.PoisonsAggregates(Index))
        {
            message = aggregated with { Model = PoisonedEncoded(aggregated.Round, aggregated.Model) };
        }

        _run.Send(this, to, message);
    }

    public void StartTraining(long round, ModelVector start)
    {
        CancelTraining(_trainingRound);
        _trainingRound = round;
        _trainingStart = start;
        _training = _run.Simulation.ScheduleAfter(_run.TrainingTicks(Index), this, null, TrainingArg);
        _run.TrainingStarted(Index, round, start);
    }

    public void CancelTraining(long round)
    {
        if (_training.IsAssigned && round == _trainingRound)
        {
            _run.Simulation.Cancel(_training);
            _training = default;
            _trainingStart = null;
        }
    }

    public void SetTimer(TimerKey key, TimeSpan delay)
    {
        CancelTimer(key);
        var arg = ((long)key.Kind << KindShift) | (key.Id & IdMask);
        _timers[key] = _run.Simulation.ScheduleAfter(SimTime.FromTimeSpan(delay), this, null, arg);
    }

    public void CancelTimer(TimerKey key)
    {
        if (_timers.Remove(key, out var handle))
        {
            _run.Simulation.Cancel(handle);
        }
    }

    public void Observe(ProtocolObservation observation)
    {
        // Telemetry sees what a Byzantine aggregator sent, not the honest aggregate it computed.
        if (observation.Kind == ObservationKind.Aggregated && observation.Model is { } computed && _run.Attack.PoisonsAggregates(Index))
        {
            observation = observation with { Model = Poisoned(observation.Round, computed) };
        }

        // Before the recorder sees it, so a row opened by this node evaluates this node's new model.
        if (observation.Kind == ObservationKind.Aggregated && observation.Model is { } model)
        {
            _lastAggregate = model;
        }

        _run.Recorder.Observe(this, observation);
    }

    // The poisoned aggregate goes through the run's codec as an honest one would (same codec on the wire).
    private EncodedModel PoisonedEncoded(long round, EncodedModel honest)
    {
        var poisoned = Poisoned(round, honest.DecodeWhole());
        if (_poisonedEncoded is not { } e || !ReferenceEquals(e.Model, poisoned))
        {
            _poisonedEncoded = e = (poisoned, new ModelEncoder(_run.Scenario.Protocol.Codec).EncodeWhole(poisoned));
        }

        return e.Encoded;
    }

    private ModelVector Poisoned(long round, ModelVector honest)
    {
        if (_poisoned is not { } p || p.Round != round || !ReferenceEquals(p.Honest, honest))
        {
            _poisoned = p = (round, honest, _run.Attack.PoisonAggregate(Index, round, honest));
        }

        return p.Poisoned;
    }

    /// <summary>A crash: every pending timer and training vanishes with the node.</summary>
    public void Halt()
    {
        foreach (var handle in _timers.Values)
        {
            _run.Simulation.Cancel(handle);
        }

        _timers.Clear();
        CancelTraining(_trainingRound);
        Alive = false;
    }

    public void OnEvent(Simulation simulation, object? state, long arg)
    {
        if (!Alive)
        {
            return;
        }

        if (arg == TrainingArg)
        {
            var start = _trainingStart!;
            _training = default;
            _trainingStart = null;
            var (model, samples) = _run.Train(Index, start, _trainingRound);
            Node.TrainingCompleted(_trainingRound, model, samples);
            return;
        }

        var key = new TimerKey((TimerKind)(arg >>> KindShift), arg & IdMask);
        _timers.Remove(key);
        Node.TimerFired(key);
    }
}
