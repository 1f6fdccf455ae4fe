using System.Text.Json;

namespace Decentral.Simulator.Engine;

/// <summary>Helpers shared by the JSON trace readers (availability and capacity traces).</summary>
internal static class TraceJson
{
    /// <summary>The "device" field of array element <paramref name="index"/>; string or raw number text.</summary>
    public static string DeviceName(JsonElement element, int index) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("device", out var d)
            ? (d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText())
            : throw new FormatException($"element {index} has no \"device\" field.");
}
