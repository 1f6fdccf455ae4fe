using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Decentral.Learning;
using static Decentral.Telemetry.JsonFields;

namespace Decentral.Telemetry;

/// <summary>Reading rows back: the inverse of <see cref="ToJson"/>, for readers such as the dashboard.</summary>
public sealed partial class RoundRow
{
    private static readonly Dictionary<string, int> KindIndex = Kinds.ToDictionary(
        k => JsonNamingPolicy.SnakeCaseLower.ConvertName(k.ToString()), k => (int)k, StringComparer.Ordinal);

    private static readonly Dictionary<string, int> ReasonIndex = RejectionReasons.ToDictionary(
        r => JsonNamingPolicy.SnakeCaseLower.ConvertName(r.ToString()), r => (int)r, StringComparer.Ordinal);

    private static readonly Dictionary<string, int> CheckNameIndex = CheckNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);

    /// <summary>The JSON name of a role ("aggregator", "trainer").</summary>
    public static string RoleName(NodeRole role) => role == NodeRole.Aggregator ? "aggregator" : "trainer";

    /// <summary>The JSON names of the message kinds, in the order of <see cref="Kinds"/>.</summary>
    public static IReadOnlyList<string> KindNames { get; } = [.. Kinds.Select(k => JsonNamingPolicy.SnakeCaseLower.ConvertName(k.ToString()))];

    /// <summary>
    /// Reads one line of telemetry.jsonl. False for anything that is not a JSON object with a
    /// numeric <c>round</c> (a line still being written, a corrupt line); fields a row does not
    /// have keep their defaults, and fields this version does not know are ignored.
    /// </summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out RoundRow? row)
    {
        row = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var o = document.RootElement;
            if (o.ValueKind != JsonValueKind.Object || Number(o, "round") is not { } round)
            {
                return false;
            }

            var parsed = new RoundRow
            {
                Round = (long)round,
                TimeSeconds = Number(o, "time_s") ?? 0,
                UnixSeconds = Number(o, "unix_s"),
                Role = Text(o, "role") switch { "aggregator" => NodeRole.Aggregator, "trainer" => NodeRole.Trainer, _ => null },
                Node = Text(o, "node"),
                Sample = Slots(o, "sample"),
                Aggregators = [.. Slots(o, "aggregators")],
                ModelsAggregated = (int)(Number(o, "models") ?? 0),
                OnlineNodes = (int)(Number(o, "online") ?? 0),
                ViewSize = (int)(Number(o, "view_size") ?? 0),
                ViewOverlay = (int)(Number(o, "view_overlay") ?? 0),
                TotalBytes = (long)(Number(o, "total_bytes") ?? 0),
                ViewBytes = (long)(Number(o, "view_bytes") ?? 0),
                FullViewBytes = (long)(Number(o, "full_view_bytes") ?? 0),
                Timings = ParseTimings(o),
            };
            if (o.TryGetProperty("bytes", out var bytes) && bytes.ValueKind == JsonValueKind.Object)
            {
                foreach (var kind in bytes.EnumerateObject())
                {
                    if (KindIndex.TryGetValue(kind.Name, out var index) && kind.Value.TryGetInt64(out var value))
                    {
                        parsed.BytesByKind[index] = value;
                    }
                }
            }

            if (o.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Object)
            {
                foreach (var reason in rejected.EnumerateObject())
                {
                    if (ReasonIndex.TryGetValue(reason.Name, out var index) && reason.Value.TryGetInt64(out var value))
                    {
                        parsed.Rejected[index] = value;
                    }
                }
            }

            if (o.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
            {
                foreach (var check in checks.EnumerateObject())
                {
                    if (CheckNameIndex.TryGetValue(check.Name, out var index) && check.Value.TryGetInt64(out var value))
                    {
                        parsed.Checks[index] = value;
                    }
                }
            }

            var (accuracy, loss, rmse) = (Number(o, "accuracy"), Number(o, "loss"), Number(o, "rmse"));
            if (accuracy is not null || loss is not null || rmse is not null)
            {
                parsed.Evaluation = new Evaluation(accuracy ?? double.NaN, loss ?? double.NaN, rmse ?? double.NaN, 0);
            }

            row = parsed;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Bytes of the kind named <paramref name="kindName"/> (a <see cref="KindNames"/> entry) in this row.</summary>
    public long BytesOf(string kindName) => KindIndex.TryGetValue(kindName, out var index) ? BytesByKind[index] : 0;

    private static RoundTimings? ParseTimings(JsonElement o)
    {
        var timings = new RoundTimings
        {
            QueueSeconds = Number(o, "queue_s"),
            TrainSeconds = Number(o, "train_s"),
            EncodeSeconds = Number(o, "encode_s"),
            WaitSeconds = Number(o, "wait_s"),
            AggregateSeconds = Number(o, "aggregate_s"),
            SearchSeconds = Number(o, "search_s"),
        };
        return timings.Fields().Any(f => f.Seconds is not null) ? timings : null;
    }

    private static int[] Slots(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)).Select(e => e.GetInt32())];
    }
}
