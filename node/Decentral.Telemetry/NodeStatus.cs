using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using static Decentral.Telemetry.JsonFields;

namespace Decentral.Telemetry;

/// <summary>
/// The status file <c>node.json</c> a running node keeps in its data directory (refreshed about
/// every 10 s while it runs): who it is, where it listens, and whether it is still running. The
/// dashboard reads it to tell nodes from simulation runs and to draw which nodes ran when.
/// </summary>
public sealed record NodeStatus
{
    /// <summary>The file name inside a node's data directory.</summary>
    public const string FileName = "node.json";

    /// <summary>The node's libp2p peer id, base58 ("12D3KooW...").</summary>
    public string PeerId { get; init; } = "";

    /// <summary>The node's session (changes each time the node starts); empty when not written.</summary>
    public string Session { get; init; } = "";

    /// <summary>The partition index the node announces; -1 when unknown.</summary>
    public int Slot { get; init; } = -1;

    /// <summary>Multiaddrs the node listens on.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>Multiaddrs the node announces to its peers.</summary>
    public IReadOnlyList<string> Announce { get; init; } = [];

    /// <summary>When the node started, seconds since the Unix epoch.</summary>
    public double StartedUnixSeconds { get; init; }

    /// <summary>When the file was last written, seconds since the Unix epoch.</summary>
    public double UpdatedUnixSeconds { get; init; }

    /// <summary>"running" or "stopped" as the node wrote it.</summary>
    public string State { get; init; } = "";

    /// <summary>The node's process id; 0 when not written.</summary>
    public int Pid { get; init; }

    /// <summary>Where the node is: "gathering" (finding members before it founds or joins), "running", "stopped"; empty when not written.</summary>
    public string Phase { get; init; } = "";

    /// <summary>The node's round estimate when the file was written.</summary>
    public long Round { get; init; }

    /// <summary>Peers in the node's membership view when the file was written.</summary>
    public int ViewSize { get; init; }

    /// <summary>The peer ids the node's view holds as members (status JOIN), at most 1000; empty when not written.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>True when the node said it stopped.</summary>
    public bool Stopped => State == "stopped";

    /// <summary>The status as the JSON object of node.json (snake_case fields).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("peer_id", PeerId);
            w.WriteString("session", Session);
            w.WriteNumber("slot", Slot);
            WriteStrings(w, "listen", Listen);
            WriteStrings(w, "announce", Announce);
            w.WriteNumber("started_unix_s", Math.Round(StartedUnixSeconds, 3));
            w.WriteNumber("updated_unix_s", Math.Round(UpdatedUnixSeconds, 3));
            w.WriteString("state", State);
            w.WriteNumber("pid", Pid);
            w.WriteString("phase", Phase);
            w.WriteNumber("round", Round);
            w.WriteNumber("view_size", ViewSize);
            WriteStrings(w, "members", Members);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Reads node.json. False when the text is not a JSON object with a <c>peer_id</c> string (a
    /// file half written, or not a node's); other fields missing keep their defaults, and
    /// <c>session</c> may be a string or a number.
    /// </summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out NodeStatus? status)
    {
        status = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var o = document.RootElement;
            if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty("peer_id", out var peer) || peer.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            status = new NodeStatus
            {
                PeerId = peer.GetString()!,
                Session = o.TryGetProperty("session", out var s) ? s.ValueKind switch
                {
                    JsonValueKind.String => s.GetString()!,
                    JsonValueKind.Number => s.GetRawText(),
                    _ => "",
                } : "",
                Slot = Number(o, "slot") is { } slot ? (int)slot : -1,
                Listen = Texts(o, "listen"),
                Announce = Texts(o, "announce"),
                StartedUnixSeconds = Number(o, "started_unix_s") ?? 0,
                UpdatedUnixSeconds = Number(o, "updated_unix_s") ?? 0,
                State = Text(o, "state") ?? "",
                Pid = (int)(Number(o, "pid") ?? 0),
                Phase = Text(o, "phase") ?? "",
                Round = (long)(Number(o, "round") ?? 0),
                ViewSize = (int)(Number(o, "view_size") ?? 0),
                Members = Texts(o, "members"),
            };
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
