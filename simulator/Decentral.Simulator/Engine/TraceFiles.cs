using System.Text.Json;

namespace Decentral.Simulator.Engine;

/// <summary>Helpers shared by the trace readers (availability and capacity traces).</summary>
internal static class TraceFiles
{
    /// <summary>
    /// Loads a trace file: .csv through <paramref name="parseCsv"/>, anything else as JSON; a
    /// missing file or a parse failure is a failure value that names the path.
    /// </summary>
    public static LoadResult<T> Load<T>(string path, string what, Func<TextReader, LoadResult<T>> parseCsv, Func<string, LoadResult<T>> parseJson)
        where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return LoadResult<T>.Failure($"{what} file '{path}' does not exist.");
        }

        string text = File.ReadAllText(path);
        var result = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? parseCsv(new StringReader(text)) : parseJson(text);
        return result.IsSuccess ? result : LoadResult<T>.Failure($"{path}: {result.Error}");
    }

    /// <summary>The "device" field of array element <paramref name="index"/>; string or raw number text.</summary>
    public static string DeviceName(JsonElement element, int index) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("device", out var d)
            ? (d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText())
            : throw new FormatException($"element {index} has no \"device\" field.");
}
