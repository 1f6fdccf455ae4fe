using System.Text.Json;
using Decentral.Aggregation;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Telemetry;

/// <summary>
/// One row of round telemetry (one line of telemetry.jsonl): one aggregated round, as the
/// simulator records it for the whole run and a node records it for the rounds it aggregated
/// (plus one row per round it trained). The JSON field names and order are the schema the
/// dashboard reads (README "Telemetry fields"); <see cref="ToJson"/> writes a row and
/// <see cref="TryParse"/> reads one back.
/// </summary>
public sealed partial class RoundRow
{
    /// <summary>The message kinds, in the order of <see cref="BytesByKind"/>'s indices (index = kind value).</summary>
    public static IReadOnlyList<MessageKind> Kinds { get; } = Enum.GetValues<MessageKind>();

    /// <summary>The round.</summary>
    public long Round { get; init; }

    /// <summary>
    /// Simulator: virtual time of the first aggregation of the round, seconds. Node: seconds since
    /// that node started.
    /// </summary>
    public double TimeSeconds { get; init; }

    /// <summary>Node rows only: wall-clock time of the row, seconds since the Unix epoch; null (not written) in simulations.</summary>
    public double? UnixSeconds { get; init; }

    /// <summary>Node rows only: what the writing node did in this round; null (not written) in simulations.</summary>
    public NodeRole? Role { get; init; }

    /// <summary>Node rows only: the writing node's libp2p peer id (base58, "12D3KooW..."); null (not written) in simulations.</summary>
    public string? Node { get; init; }

    /// <summary>Node rows only: where the node's time in this round went; null (not written) in simulations and when not measured.</summary>
    public RoundTimings? Timings { get; set; }

    /// <summary>
    /// Node slots the first aggregate was sent to over the network (the sample, less the aggregator
    /// itself). Node rows: the slots (partition indices) the peers announce, -1 when unknown.
    /// </summary>
    public int[] Sample { get; init; } = [];

    /// <summary>Node slots that aggregated this round, first one first.</summary>
    public List<int> Aggregators { get; init; } = [];

    /// <summary>Models in the first aggregate; 0 on a node's trainer rows.</summary>
    public int ModelsAggregated { get; init; }

    /// <summary>Nodes running at that moment.</summary>
    public int OnlineNodes { get; init; }

    /// <summary>The aggregator's view size (records).</summary>
    public int ViewSize { get; init; }

    /// <summary>Records of the aggregator's view held beyond the shared base.</summary>
    public int ViewOverlay { get; init; }

    /// <summary>The reasons a model can be refused, in the order of <see cref="Rejected"/>'s indices (index = reason value).</summary>
    public static IReadOnlyList<RejectionReason> RejectionReasons { get; } = [.. Enum.GetValues<RejectionReason>().Where(r => r != RejectionReason.None)];

    /// <summary>Models refused by any node since the previous row, per reason (index = reason); written only when some are.</summary>
    public long[] Rejected { get; } = new long[RejectionReasons.Count + 1];

    /// <summary>
    /// The outcomes of the round checks (ModestOptions.TrainerCheckInterval and
    /// AggregatorCheckInterval), in the order of <see cref="Checks"/>'s indices: an aggregator a
    /// trainer failed over from because it did not answer or answered restarted, and expected
    /// trainers an aggregator stopped waiting for because they were silent, live without the
    /// round's aggregate, or had sent the round elsewhere.
    /// </summary>
    public static IReadOnlyList<ObservationKind> CheckKinds { get; } =
    [
        ObservationKind.AggregatorSilent, ObservationKind.AggregatorRestarted, ObservationKind.TrainersSilent,
        ObservationKind.TrainerNotSampled, ObservationKind.TrainerSentElsewhere,
    ];

    /// <summary>The JSON (and metric tag) names of <see cref="CheckKinds"/>, in their order ("aggregator_silent", ...).</summary>
    public static IReadOnlyList<string> CheckNames { get; } = [.. CheckKinds.Select(k => JsonNamingPolicy.SnakeCaseLower.ConvertName(k.ToString()))];

    /// <summary>Peers found by the round checks of any node since the previous row, per outcome (index into <see cref="CheckKinds"/>); written only when some are.</summary>
    public long[] Checks { get; } = new long[CheckKinds.Count];

    /// <summary>The index of <paramref name="kind"/> in <see cref="CheckKinds"/>, or null when it is not a check's outcome.</summary>
    public static int? CheckIndex(ObservationKind kind)
    {
        for (var k = 0; k < CheckKinds.Count; k++)
        {
            if (CheckKinds[k] == kind)
            {
                return k;
            }
        }

        return null;
    }

    /// <summary>The peers a check's observation stands for: one, or a TrainersSilent observation's count.</summary>
    public static int PeersOf(ProtocolObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Kind == ObservationKind.TrainersSilent ? observation.Count : 1;
    }

    /// <summary>Bytes sent per message kind since the previous row (index = kind).</summary>
    public long[] BytesByKind { get; } = new long[Kinds.Count + 1];

    /// <summary>All bytes sent since the start.</summary>
    public long TotalBytes { get; set; }

    /// <summary>Cumulative view bytes actually piggybacked (deltas plus snapshots).</summary>
    public long ViewBytes { get; set; }

    /// <summary>Cumulative view bytes a full view per model message would have cost.</summary>
    public long FullViewBytes { get; set; }

    /// <summary>
    /// Evaluation of the aggregate on evaluation rounds; for D-PSGD, Epidemic and Gossip
    /// Learning the mean over the models of <see cref="EvaluatedSlots"/>.
    /// </summary>
    public Evaluation? Evaluation { get; set; }

    /// <summary>
    /// D-PSGD, Epidemic and Gossip Learning, on evaluation rounds: the node slots whose current
    /// models were evaluated and averaged into <see cref="Evaluation"/>, in the fixed order; null
    /// for rows that evaluate an aggregate (MoDeST, FedAvg) or are not evaluated.
    /// </summary>
    public int[]? EvaluatedSlots { get; set; }

    /// <summary>Lowest and highest accuracy over the evaluated models (NaN when not classification or not mean-over-nodes).</summary>
    public (double Min, double Max) AccuracyRange { get; set; } = (double.NaN, double.NaN);

    /// <summary>Lowest and highest RMSE over the evaluated models (NaN when not ratings or not mean-over-nodes).</summary>
    public (double Min, double Max) RmseRange { get; set; } = (double.NaN, double.NaN);

    /// <summary>The row as one line of JSON (invariant culture, fixed field order; node fields only when set).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("round", Round);
            w.WriteNumber("time_s", Math.Round(TimeSeconds, 6));
            if (UnixSeconds is { } unix)
            {
                w.WriteNumber("unix_s", Math.Round(unix, 6));
            }

            if (Role is { } role)
            {
                w.WriteString("role", RoleName(role));
            }

            if (Node is { } node)
            {
                w.WriteString("node", node);
            }

            if (Timings is { } timings)
            {
                foreach (var (name, seconds) in timings.Fields())
                {
                    WriteMetric(w, name, seconds ?? double.NaN);
                }
            }

            WriteSlots(w, "sample", Sample);
            WriteSlots(w, "aggregators", Aggregators);
            w.WriteNumber("models", ModelsAggregated);
            w.WriteNumber("online", OnlineNodes);
            w.WriteNumber("view_size", ViewSize);
            w.WriteNumber("view_overlay", ViewOverlay);
            w.WriteStartObject("bytes");
            foreach (var kind in Kinds)
            {
                w.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString()), BytesByKind[(int)kind]);
            }

            w.WriteEndObject();
            w.WriteNumber("total_bytes", TotalBytes);
            w.WriteNumber("view_bytes", ViewBytes);
            w.WriteNumber("full_view_bytes", FullViewBytes);
            if (Rejected.Any(count => count > 0))
            {
                w.WriteStartObject("rejected");
                foreach (var reason in RejectionReasons)
                {
                    if (Rejected[(int)reason] > 0)
                    {
                        w.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString()), Rejected[(int)reason]);
                    }
                }

                w.WriteEndObject();
            }

            if (Checks.Any(count => count > 0))
            {
                w.WriteStartObject("checks");
                for (var k = 0; k < CheckKinds.Count; k++)
                {
                    if (Checks[k] > 0)
                    {
                        w.WriteNumber(CheckNames[k], Checks[k]);
                    }
                }

                w.WriteEndObject();
            }

            if (Evaluation is { } e)
            {
                WriteMetric(w, "accuracy", e.Accuracy);
                WriteMetric(w, "loss", e.Loss);
                WriteMetric(w, "rmse", e.Rmse);
            }

            if (EvaluatedSlots is { } evaluated)
            {
                w.WriteNumber("evaluated_models", evaluated.Length);
                WriteMetric(w, "accuracy_min", AccuracyRange.Min);
                WriteMetric(w, "accuracy_max", AccuracyRange.Max);
                WriteMetric(w, "rmse_min", RmseRange.Min);
                WriteMetric(w, "rmse_max", RmseRange.Max);
            }


            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSlots(Utf8JsonWriter w, string name, IEnumerable<int> slots)
    {
        w.WriteStartArray(name);
        foreach (var slot in slots)
        {
            w.WriteNumberValue(slot);
        }

        w.WriteEndArray();
    }

    private static void WriteMetric(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, Math.Round(value, 6));
        }
    }
}
