using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Telemetry;
using Decentral.Wire;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime.State;

/// <summary>
/// Writes &lt;data dir&gt;/telemetry.jsonl in the simulator's row schema (<see cref="RoundRow"/>):
/// a row for every round this node aggregated (role "aggregator": the models it averaged, the
/// slots it sent the aggregate to, its view, the accuracy of the aggregate on evaluation rounds)
/// and for every model it trained and sent (role "trainer": the training loss), with the bytes
/// this node sent per message kind since its previous row. Times are seconds since the node
/// started (time_s) and wall-clock seconds since the epoch (unix_s); each row also says where the
/// node's time in the round went (<see cref="RoundTimings"/>: queue, train, encode, wait,
/// aggregate, search), when it was measured. Appended and flushed row by
/// row, so a dashboard can follow a node live. Evaluation runs off the event loop; rows are
/// written in the order they complete.
/// </summary>
public sealed class NodeTelemetry : IDisposable
{
    /// <summary>The telemetry file name inside the data directory.</summary>
    public const string FileName = "telemetry.jsonl";

    private readonly StreamWriter? _output;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly string _node;
    private readonly int _slot;
    private readonly ILearningTask? _evaluation;
    private readonly int _evalEvery;
    private readonly ILogger _logger;
    private readonly Dictionary<long, List<int>> _sampleSends = [];
    private bool _evaluatedFirst;

    /// <summary>Appends to <paramref name="path"/> (null: keep counts, write nothing).</summary>
    public NodeTelemetry(string? path, PeerId node, int slot, IWireCodec codec, ILearningTask? evaluation, int evalEveryRounds, TimeProvider time, ILogger logger)
    {
        _time = time;
        _started = time.GetUtcNow();
        _node = node.ToString();
        _slot = slot;
        _evaluation = evaluation;
        _evalEvery = Math.Max(1, evalEveryRounds);
        _logger = logger;
        Traffic = new TrafficLedger(codec);
        Path = path;
        if (path is not null)
        {
            try
            {
                _output = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.TelemetryWriteFailed(logger, path, e.Message);
            }
        }
    }

    /// <summary>The file written, if any.</summary>
    public string? Path { get; }

    /// <summary>Bytes this node sent, by kind.</summary>
    public TrafficLedger Traffic { get; }

    /// <summary>Models this node refused, by reason (written on the next row).</summary>
    public EventLedger Events { get; } = new();

    /// <summary>Rows written so far.</summary>
    public int Rows { get; private set; }

    /// <summary>Raised after each row is written (for tests and the status file).</summary>
    public event Action<RoundRow>? RowWritten;

    /// <summary>A message was delivered (its bytes count from now).</summary>
    public void Sent(ProtocolMessage message, long bytes, int senderViewCount) => Traffic.Count(message, bytes, senderViewCount);

    /// <summary>The core sent the aggregate of a round to a peer of <paramref name="toSlot"/> (loop thread; before the round's row).</summary>
    public void AggregateSent(long round, int toSlot)
    {
        lock (_gate)
        {
            if (!_sampleSends.TryGetValue(round, out var sample))
            {
                _sampleSends[round] = sample = [];
            }

            sample.Add(toSlot);
        }
    }

    /// <summary>
    /// This node aggregated <paramref name="round"/> from <paramref name="models"/> models and sent the aggregate (loop
    /// thread); <paramref name="timings"/>: where its time in the round went; the row's time is when the send began,
    /// <paramref name="sentAgo"/> ago.
    /// </summary>
    public void Aggregated(long round, int models, ModelVector? aggregate, int viewSize, int activePeers, RoundTimings? timings = null,
        TimeSpan sentAgo = default)
    {
        int[] sample;
        lock (_gate)
        {
            sample = _sampleSends.Remove(round, out var sent) ? [.. sent.Order()] : [];
            foreach (var old in _sampleSends.Keys.Where(r => r < round - 16).ToList())
            {
                _sampleSends.Remove(old);
            }
        }

        var row = NewRow(round, NodeRole.Aggregator, models, sample, viewSize, activePeers, sentAgo);
        row.Timings = timings;
        var evaluate = aggregate is not null && _evaluation is not null && (!_evaluatedFirst || round % _evalEvery == 0);
        if (!evaluate)
        {
            Write(row);
            return;
        }

        _evaluatedFirst = true;
        var task = _evaluation!;
        _ = Task.Run(() =>
        {
            var evaluation = task.Evaluate(aggregate!.Parameters);
            row.Evaluation = evaluation;
            Log.Evaluated(_logger, round, evaluation.Accuracy, evaluation.Loss);
            Write(row);
        });
    }

    /// <summary>
    /// This node sent its model trained for <paramref name="round"/> (loop thread); <paramref name="timings"/>: where its
    /// time in the round went; the row's time is when the send began, <paramref name="sentAgo"/> ago.
    /// </summary>
    public void Trained(long round, double loss, int viewSize, int activePeers, RoundTimings? timings = null, TimeSpan sentAgo = default)
    {
        var row = NewRow(round, NodeRole.Trainer, 0, [], viewSize, activePeers, sentAgo);
        row.Timings = timings;
        row.Evaluation = new Evaluation(double.NaN, loss, double.NaN, 0);
        Write(row);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _output?.Dispose();
        }
    }

    private RoundRow NewRow(long round, NodeRole role, int models, int[] sample, int viewSize, int activePeers, TimeSpan sentAgo)
    {
        var now = _time.GetUtcNow() - sentAgo;
        return new RoundRow
        {
            Round = round,
            TimeSeconds = (now - _started).TotalSeconds,
            Sample = sample,
            Aggregators = role == NodeRole.Aggregator ? [_slot] : [],
            ModelsAggregated = models,
            OnlineNodes = activePeers,
            ViewSize = viewSize,
            ViewOverlay = viewSize,
            Role = role,
            Node = _node,
            UnixSeconds = (now - DateTimeOffset.UnixEpoch).TotalSeconds,
        };
    }

    private void Write(RoundRow row)
    {
        lock (_gate)
        {
            // Traffic is taken when the row is written, so bytes are never counted twice.
            Traffic.FillRow(row);
            Events.FillRow(row);
            Rows++;
            if (_output is not null)
            {
                try
                {
                    _output.WriteLine(row.ToJson());
                    _output.Flush();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    Log.TelemetryWriteFailed(_logger, Path!, e.Message);
                }
            }
        }

        RowWritten?.Invoke(row);
    }
}
