using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Decentral.Node.P2p;

/// <summary>Writes one JSON object per line, whole lines only, from any thread.</summary>
internal sealed class JsonLineWriter(TextWriter output)
{
    // Relaxed escaping keeps quotes and non-ASCII readable; output is a terminal or a pipe, never HTML.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _gate = new();

    /// <summary>Writes {"event": name, ...fields}. Values: string, string list, integers, doubles, null.</summary>
    public void Write(string eventName, params (string Key, object? Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("event", eventName);
            foreach (var (key, value) in fields)
            {
                WriteValue(json, key, value);
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    /// <summary>Writes an error event.</summary>
    public void Error(string message) => Write("error", ("message", message));

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case string s:
                json.WriteString(key, s);
                break;
            case int i:
                json.WriteNumber(key, i);
                break;
            case long l:
                json.WriteNumber(key, l);
                break;
            case double d:
                json.WriteNumber(key, Math.Round(d, 3));
                break;
            case IEnumerable<string> list:
                json.WriteStartArray(key);
                foreach (var item in list)
                {
                    json.WriteStringValue(item);
                }

                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"Unsupported JSON value type {value.GetType()} for '{key}'.", nameof(value));
        }
    }
}
