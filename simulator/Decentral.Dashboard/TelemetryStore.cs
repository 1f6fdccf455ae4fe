using System.Text;
using System.Text.Json;

namespace Decentral.Dashboard;

/// <summary>
/// Reads run folders (each with telemetry.jsonl and, when finished, summary.json) below a root.
/// Run names are single path segments of letters, digits, '.', '-' and '_', so a request can never
/// reach outside the root. A line still being written (no newline yet, or not valid JSON) is left
/// for the next read.
/// </summary>
internal sealed class TelemetryStore(string root)
{
    private const string TelemetryFile = "telemetry.jsonl";

    /// <summary>The folder holding the runs.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>True for names that are safe run folder names.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 128 && name != "." && name != ".." && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    /// <summary>The runs: folders with a telemetry file, newest first.</summary>
    public IReadOnlyList<(string Name, DateTime Modified, bool Finished)> Runs()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        return [.. new DirectoryInfo(Root).EnumerateDirectories()
            .Where(d => IsValidName(d.Name) && File.Exists(Path.Combine(d.FullName, TelemetryFile)))
            .Select(d => (d.Name, File.GetLastWriteTimeUtc(Path.Combine(d.FullName, TelemetryFile)), File.Exists(Path.Combine(d.FullName, "summary.json"))))
            .OrderByDescending(r => r.Item2)
            .ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>Complete rows from index <paramref name="from"/> on, as a JSON array; null when the run does not exist.</summary>
    public string? Telemetry(string name, int from)
    {
        var path = RunFile(name, TelemetryFile);
        if (path is null)
        {
            return null;
        }

        var json = new StringBuilder("[");
        var index = 0;
        var first = true;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n');
        foreach (var line in text[..(complete + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (index++ < from || !IsJsonObject(line))
            {
                continue;
            }

            json.Append(first ? "" : ",").Append(line);
            first = false;
        }

        return json.Append(']').ToString();
    }

    /// <summary>The run's summary.json, or null when the run has none (yet).</summary>
    public string? Summary(string name) => RunFile(name, "summary.json") is { } path ? File.ReadAllText(path) : null;

    private string? RunFile(string name, string file)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        var path = Path.Combine(Root, name, file);
        return File.Exists(path) ? path : null;
    }

    private static bool IsJsonObject(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
