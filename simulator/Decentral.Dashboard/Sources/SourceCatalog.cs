using System.Collections.Concurrent;
using Decentral.Telemetry;

namespace Decentral.Dashboard.Sources;

/// <summary>What a folder below the dashboard's root holds.</summary>
internal enum SourceKind
{
    /// <summary>A simulation run: telemetry.jsonl (and summary.json once finished), no node.json.</summary>
    Run,

    /// <summary>A node's data directory: node.json and telemetry.jsonl.</summary>
    Node,

    /// <summary>A folder whose subfolders are node data directories.</summary>
    Fleet,
}

/// <summary>One thing the dashboard can show. Nodes of a fleet are named "fleet/node".</summary>
internal sealed record Source(string Name, SourceKind Kind, string Folder, DateTime Modified)
{
    /// <summary>The fleet a node belongs to, or null.</summary>
    public string? Fleet => Kind == SourceKind.Node && Name.IndexOf('/') is > 0 and var i ? Name[..i] : null;
}

/// <summary>
/// Finds the runs, nodes and fleets below a root folder and reads their files. Names are one or
/// two path segments of letters, digits, '.', '-' and '_', so a request can never reach outside
/// the root. The telemetry of each file is read incrementally (<see cref="TelemetryLog"/>) and
/// shared by all requests.
/// </summary>
internal sealed class SourceCatalog(string root)
{
    /// <summary>The telemetry file of runs and nodes.</summary>
    public const string TelemetryFile = "telemetry.jsonl";

    /// <summary>The summary a finished simulation run writes.</summary>
    public const string SummaryFile = "summary.json";

    private readonly ConcurrentDictionary<string, TelemetryLog> _logs = new(StringComparer.Ordinal);

    /// <summary>The folder holding the runs.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>True for names that are safe folder names.</summary>
    public static bool IsValidSegment(string name) =>
        name.Length is > 0 and <= 128 && name != "." && name != ".." && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    /// <summary>True for "name" and "fleet/node" with safe segments.</summary>
    public static bool IsValidName(string name) =>
        name.Split('/') is var parts && parts.Length is 1 or 2 && parts.All(IsValidSegment);

    /// <summary>Every run, fleet and node (nodes of a fleet after their fleet), newest first.</summary>
    public IReadOnlyList<Source> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var top = new List<(Source Source, List<Source> Nodes)>();
        foreach (var folder in SafeFolders(Root))
        {
            if (Classify(folder.Name, folder) is { } source)
            {
                top.Add((source, []));
                continue;
            }

            var nodes = SafeFolders(folder.FullName).Select(n => Classify($"{folder.Name}/{n.Name}", n))
                .Where(n => n is { Kind: SourceKind.Node }).Select(n => n!).OrderBy(n => n.Name, NaturalOrder.Instance).ToList();
            if (nodes.Count > 0)
            {
                top.Add((new Source(folder.Name, SourceKind.Fleet, folder.FullName, nodes.Max(n => n.Modified)), nodes));
            }
        }

        return [.. top.OrderByDescending(t => t.Source.Modified).ThenBy(t => t.Source.Name, StringComparer.Ordinal)
            .SelectMany(t => t.Nodes.Prepend(t.Source))];
    }

    /// <summary>The source named <paramref name="name"/>, or null when there is none.</summary>
    public Source? Find(string name) => IsValidName(name) ? List().FirstOrDefault(s => s.Name == name) : null;

    /// <summary>The nodes of a fleet, in natural name order (node-2 before node-10).</summary>
    public IReadOnlyList<Source> NodesOf(Source fleet) =>
        [.. List().Where(s => s.Kind == SourceKind.Node && s.Fleet == fleet.Name)];

    /// <summary>The telemetry of a run or node (the log may not have a file yet).</summary>
    public TelemetryLog Telemetry(Source source)
    {
        var path = Path.Combine(source.Folder, TelemetryFile);
        return _logs.GetOrAdd(path, p => new TelemetryLog(p));
    }

    /// <summary>A run's summary.json, or null when it has none (yet).</summary>
    public static string? Summary(Source source) => ReadText(Path.Combine(source.Folder, SummaryFile));

    /// <summary>A node's node.json, or null when it is missing or not (yet) readable.</summary>
    public static NodeStatus? Status(Source source) =>
        ReadText(Path.Combine(source.Folder, NodeStatus.FileName)) is { } json && NodeStatus.TryParse(json, out var status) ? status : null;

    private static Source? Classify(string name, DirectoryInfo folder)
    {
        var status = new FileInfo(Path.Combine(folder.FullName, NodeStatus.FileName));
        var telemetry = new FileInfo(Path.Combine(folder.FullName, TelemetryFile));
        if (status.Exists)
        {
            return new Source(name, SourceKind.Node, folder.FullName, Latest(status, telemetry));
        }

        return telemetry.Exists ? new Source(name, SourceKind.Run, folder.FullName, telemetry.LastWriteTimeUtc) : null;
    }

    private static DateTime Latest(FileInfo a, FileInfo b) =>
        b.Exists && b.LastWriteTimeUtc > a.LastWriteTimeUtc ? b.LastWriteTimeUtc : a.LastWriteTimeUtc;

    private static IEnumerable<DirectoryInfo> SafeFolders(string path)
    {
        try
        {
            return [.. new DirectoryInfo(path).EnumerateDirectories().Where(d => IsValidSegment(d.Name))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // being replaced right now; the next poll reads it
        }
    }
}
