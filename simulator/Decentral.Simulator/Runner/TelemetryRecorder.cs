using System.Globalization;
using Decentral.Aggregation;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Simulator.Engine;
using Decentral.Simulator.Scenarios;
using Decentral.Telemetry;
using Decentral.Wire;

namespace Decentral.Simulator.Runner;

/// <summary>
/// Collects per-round telemetry of a run and writes it as JSON lines, one object per aggregated
/// round (see README "Telemetry"). Only virtual quantities are written, never wall-clock time, so
/// the same scenario and seed give the same bytes.
/// </summary>
public sealed partial class TelemetryRecorder
{
    private readonly ModestRun _run;
    private readonly TextWriter? _output;
    private readonly Dictionary<long, List<int>> _sampleSends = [];
    private readonly Dictionary<ObservationKind, long> _observations = [];
    private readonly EventLedger _events = new();
    private readonly List<RoundRow> _rows = [];
    private readonly int[] _trainings;
    private readonly int[]? _evaluationOrder;
    private RoundRow? _open;
    // Runs with attackers: the open row's evaluation waits for the model an honest trainer of the
    // round starts from (with a Byzantine aggregator or a trainer-side defence it need not be the
    // first aggregate); this is the first aggregate, evaluated if no honest trainer starts in time.
    private ModelVector? _deferredEvaluation;
    private TrafficLedger? _traffic;
    private Evaluation _initial;
    private long _churnCrashed;
    private long _churnLeft;
    private long _churnJoined;
    private Dictionary<ModelVector, Evaluation> _evaluated = new(ReferenceEqualityComparer.Instance);

    internal TelemetryRecorder(ModestRun run, TextWriter? output)
    {
        _run = run;
        _output = output;
        _trainings = new int[run.NodeSlots];
        if (EvaluatesNodeModels(run.Scenario.Algorithm))
        {
            // A fixed random order of the slots from the run's seed; each evaluation takes the
            // first evalNodes running nodes with a model in this order.
            _evaluationOrder = [.. Enumerable.Range(0, run.NodeSlots)];
            new Random(ModestRun.DeriveSeed(run.Scenario.Seed, "evaluated-nodes")).Shuffle(_evaluationOrder);
        }
    }

    /// <summary>
    /// True for the algorithms without a global model (D-PSGD, Epidemic and Gossip Learning): their
    /// rows report the mean over nodes' current models rather than one node's model.
    /// </summary>
    public static bool EvaluatesNodeModels(string algorithm) => algorithm is "dpsgd" or "epidemic" or "gossip";

    // Before the first send (a run with no traffic) a ledger with the default codec reports zeros.
    private TrafficLedger Traffic => _traffic ??= new TrafficLedger(new WireCodec());

    /// <summary>Latest round aggregated (0 before the first).</summary>
    public long LastRound { get; private set; }

    /// <summary>How many rounds node slot <paramref name="index"/> started training.</summary>
    public int TrainingsOf(int index) => _trainings[index];

    /// <summary>Rows written so far (including the open one).</summary>
    public IReadOnlyList<RoundRow> Rows => _open is null ? _rows : [.. _rows, _open];

    internal void EvaluateInitial(ModelVector model)
    {
        _initial = _run.Learning.Task.Evaluate(model.Parameters);
        _evaluated[model] = _initial;
    }

    internal void Sent(SimNodeHost from, int to, ProtocolMessage message, long bytes, WireCodec codec)
    {
        _traffic ??= new TrafficLedger(codec);
        _traffic.Count(message, bytes, from.Node.View.Count);
        if (message is AggregatedModel aggregated)
        {
            if (!_sampleSends.TryGetValue(aggregated.Round, out var sample))
            {
                _sampleSends[aggregated.Round] = sample = [];
            }

            sample.Add(to);
        }
    }

    internal void Observe(SimNodeHost host, ProtocolObservation observation)
    {
        _observations[observation.Kind] = _observations.GetValueOrDefault(observation.Kind) + 1;
        if (observation.Kind == ObservationKind.ModelRejected)
        {
            _events.Rejected(observation.Reason);
        }

        _events.Observed(observation);

        if (observation.Kind == ObservationKind.TrainingStarted)
        {
            _trainings[host.Index]++;
            if (_deferredEvaluation is not null && _open is { } pending && pending.Round == observation.Round
                && observation.Model is { } start && !_run.Attack.IsAttacker(host.Index))
            {
                pending.Evaluation = _run.Learning.Task.Evaluate(start.Parameters);
                _deferredEvaluation = null;
            }
        }

        if (observation.Kind != ObservationKind.Aggregated || observation.Round < LastRound)
        {
            return;
        }

        if (_open is { } open && open.Round == observation.Round)
        {
            open.Aggregators.Add(host.Index);
            return;
        }

        var first = LastRound == 0;
        Flush();
        LastRound = observation.Round;
        var row = new RoundRow
        {
            Round = observation.Round,
            TimeSeconds = SimTime.ToSeconds(_run.Simulation.Now),
            Sample = _sampleSends.Remove(observation.Round, out var sample) ? [.. sample.Order()] : [],
            Aggregators = [host.Index],
            ModelsAggregated = observation.Count,
            OnlineNodes = _run.OnlineNodes,
            ViewSize = host.Node.View.Count,
            ViewOverlay = host.Node.View.OverlayCount,
        };
        Traffic.FillRow(row);
        _events.FillRow(row);
        var every = _run.Scenario.Learning.EvalEveryRounds;
        if (observation.Model is { } model && (first || observation.Round % every == 0 || observation.Round >= _run.Scenario.Stop.Rounds))
        {
            if (_evaluationOrder is null && _run.Attack.Active)
            {
                _deferredEvaluation = model;
            }
            else if (_evaluationOrder is null)
            {
                row.Evaluation = _run.Learning.Task.Evaluate(model.Parameters);
            }
            else
            {
                EvaluateNodeModels(row);
            }
        }

        _open = row;
    }

    // The mean over the current models of the first evalNodes running nodes (with a model) in the
    // fixed order: accuracy, loss and RMSE averaged over models, plus the spread. Each distinct
    // model is evaluated once; a model still held since the previous evaluation is not evaluated
    // again. Evaluation happens at the row's instant and takes no virtual time.
    private void EvaluateNodeModels(RoundRow row)
    {
        var want = _run.Scenario.Learning.EvalNodes;
        var next = new Dictionary<ModelVector, Evaluation>(ReferenceEqualityComparer.Instance);
        var slots = new List<int>(Math.Min(want, _evaluationOrder!.Length));
        var results = new List<Evaluation>(slots.Capacity);
        foreach (var slot in _evaluationOrder)
        {
            if (slots.Count == want)
            {
                break;
            }

            if (_run.CurrentModelOf(slot) is not { } model)
            {
                continue;
            }

            if (!next.TryGetValue(model, out var evaluation) && !_evaluated.TryGetValue(model, out evaluation))
            {
                evaluation = _run.Learning.Task.Evaluate(model.Parameters);
            }

            next[model] = evaluation;
            slots.Add(slot);
            results.Add(evaluation);
        }

        _evaluated = next;
        row.EvaluatedSlots = [.. slots];
        if (results.Count == 0)
        {
            return;
        }

        double accuracy = 0, loss = 0, rmse = 0;
        foreach (var e in results)
        {
            accuracy += e.Accuracy;
            loss += e.Loss;
            rmse += e.Rmse;
        }

        var n = results.Count;
        row.Evaluation = new Evaluation(accuracy / n, loss / n, rmse / n, results[0].Samples);
        row.AccuracyRange = (results.Min(e => e.Accuracy), results.Max(e => e.Accuracy));
        row.RmseRange = (results.Min(e => e.Rmse), results.Max(e => e.Rmse));
    }

    internal void Joined(SimNodeHost host) => _churnJoined++;

    internal void Churned(ChurnKind kind, int count)
    {
        if (kind == ChurnKind.Crash)
        {
            _churnCrashed += count;
        }
        else if (kind == ChurnKind.Leave)
        {
            _churnLeft += count;
        }
    }

    internal RunSummary Finish(RunOutcome outcome)
    {
        Flush();
        _output?.Flush();
        var evaluated = _rows.Where(r => r.Evaluation is not null).ToList();
        var last = evaluated.Count > 0 ? evaluated[^1].Evaluation!.Value : _initial;
        return new RunSummary(
            _run.Scenario.Name,
            LastRound,
            SimTime.ToSeconds(_run.Simulation.Now),
            _run.Simulation.EventsProcessed,
            _initial,
            last,
            evaluated.Count > 0 ? evaluated.Max(r => r.Evaluation!.Value.Accuracy) : _initial.Accuracy,
            Traffic.TotalBytes,
            Traffic.BytesByKind,
            Traffic.ViewBytes,
            Traffic.FullViewBytes,
            _run.OnlineNodes,
            _churnCrashed,
            _churnLeft,
            _churnJoined,
            new Dictionary<ObservationKind, long>(_observations),
            outcome == RunOutcome.ConditionMet)
        {
            Rejections = _events.Totals,
            BytesByCodec = Traffic.BytesByCodec,
        };
    }

    private void Flush()
    {
        if (_open is null)
        {
            return;
        }

        if (_deferredEvaluation is { } fallback)
        {
            _open.Evaluation = _run.Learning.Task.Evaluate(fallback.Parameters);
            _deferredEvaluation = null;
        }

        _rows.Add(_open);
        if (_output is not null)
        {
            // One flush per round, so a dashboard can follow a run while it is written.
            _output.WriteLine(_open.ToJson());
            _output.Flush();
        }

        _open = null;
    }
}

/// <summary>What a run achieved.</summary>
public sealed record RunSummary(
    string Scenario,
    long Rounds,
    double VirtualSeconds,
    long Events,
    Evaluation Initial,
    Evaluation Final,
    double BestAccuracy,
    long TotalBytes,
    IReadOnlyDictionary<MessageKind, long> BytesByKind,
    long ViewBytes,
    long FullViewBytes,
    int OnlineAtEnd,
    long Crashed,
    long Left,
    long Joined,
    IReadOnlyDictionary<ObservationKind, long> Observations,
    bool ReachedTargetRounds)
{
    /// <summary>Models refused by any node over the run, per reason (only reasons that occurred).</summary>
    public IReadOnlyDictionary<RejectionReason, long> Rejections { get; init; } = new Dictionary<RejectionReason, long>();

    /// <summary>Bytes of model messages (whole messages) by the codec of the model they carry ("fp32", "topk-int8+zstd"), in name order.</summary>
    public IReadOnlyDictionary<string, long> BytesByCodec { get; init; } = new Dictionary<string, long>();

    /// <summary>How many times fewer view bytes the deltas cost than full views.</summary>
    public double ViewSaving => ViewBytes == 0 ? double.NaN : FullViewBytes / (double)ViewBytes;

    /// <summary>A short human-readable summary.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Scenario}: {Rounds} rounds in {VirtualSeconds:F0} s virtual ({Events:N0} events); accuracy {Initial.Accuracy:P1} -> {Final.Accuracy:P1} (best {BestAccuracy:P1}); " +
        $"traffic {TotalBytes / 1e6:F1} MB; view bytes {ViewBytes / 1e3:F1} kB vs {FullViewBytes / 1e3:F1} kB full-view ({ViewSaving:F1}x less); " +
        $"online at end {OnlineAtEnd} (crashed {Crashed}, left {Left}, joined {Joined})");
}
