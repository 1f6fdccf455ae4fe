using System.Globalization;
using System.Text.Json;
using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Compute;

/// <summary>One device of a capacity trace.</summary>
/// <param name="Device">Device id.</param>
/// <param name="MsPerSample">FedScale "computation": milliseconds per sample.</param>
/// <param name="KbitPerSecond">FedScale "communication": link speed in kbit/s.</param>
public sealed record DeviceCapacity(string Device, double MsPerSample, double KbitPerSecond);

/// <summary>
/// A FedScale-style device capacity trace. JSON: an object mapping device id to
/// <c>{"computation": ms, "communication": kbit/s}</c> or an array of such objects with a
/// "device" field. CSV: header <c>device,computation,communication</c>.
/// </summary>
public sealed class CapacityTrace
{
    private CapacityTrace(IReadOnlyList<DeviceCapacity> devices) => Devices = devices;

    /// <summary>The devices in file order.</summary>
    public IReadOnlyList<DeviceCapacity> Devices { get; }

    /// <summary>Builds a trace, validating every value.</summary>
    public static LoadResult<CapacityTrace> FromDevices(IReadOnlyList<DeviceCapacity> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Count == 0)
        {
            return LoadResult<CapacityTrace>.Failure("the capacity trace has no devices.");
        }

        foreach (var d in devices)
        {
            if (!(d.MsPerSample >= 0) || !double.IsFinite(d.MsPerSample) || !(d.KbitPerSecond > 0) || !double.IsFinite(d.KbitPerSecond))
            {
                return LoadResult<CapacityTrace>.Failure($"device '{d.Device}': computation must be >= 0 and communication > 0 (got {d.MsPerSample}, {d.KbitPerSecond}).");
            }
        }

        return LoadResult<CapacityTrace>.Success(new CapacityTrace(devices.ToArray()));
    }

    /// <summary>Loads a .json or .csv capacity trace.</summary>
    public static LoadResult<CapacityTrace> Load(string path) => TraceFiles.Load(path, "capacity trace", ParseCsv, ParseJson);

    /// <summary>Parses the JSON form.</summary>
    public static LoadResult<CapacityTrace> ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var devices = root.ValueKind switch
            {
                JsonValueKind.Object => root.EnumerateObject().Select(p => Read(p.Name, p.Value)).ToList(),
                JsonValueKind.Array => root.EnumerateArray().Select((e, i) => Read(TraceFiles.DeviceName(e, i), e)).ToList(),
                _ => throw new FormatException("the JSON root must be an object or an array of devices."),
            };
            return FromDevices(devices);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return LoadResult<CapacityTrace>.Failure(e.Message);
        }
    }

    /// <summary>Parses the CSV form.</summary>
    public static LoadResult<CapacityTrace> ParseCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ReadLine()?.Replace(" ", "", StringComparison.Ordinal) != "device,computation,communication")
        {
            return LoadResult<CapacityTrace>.Failure("line 1: the header must be 'device,computation,communication'.");
        }

        var devices = new List<DeviceCapacity>();
        int line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            string[] cells = text.Split(',');
            if (cells.Length != 3
                || !double.TryParse(cells[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
                || !double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double kbit))
            {
                return LoadResult<CapacityTrace>.Failure($"line {line}: expected 'device,computation,communication' with two numbers.");
            }

            devices.Add(new DeviceCapacity(cells[0].Trim(), ms, kbit));
        }

        return FromDevices(devices);
    }

    private static DeviceCapacity Read(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("computation", out var c) || c.ValueKind != JsonValueKind.Number
            || !element.TryGetProperty("communication", out var k) || k.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException($"device '{name}': needs numeric \"computation\" and \"communication\" fields.");
        }

        return new DeviceCapacity(name, c.GetDouble(), k.GetDouble());
    }
}
