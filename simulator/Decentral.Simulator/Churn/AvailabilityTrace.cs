using System.Globalization;
using System.Text.Json;
using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Churn;

/// <summary>
/// One device of a FedScale-style availability trace. Times are seconds from the start of the
/// trace: the device is online during [Active[i], Inactive[i]) and, when Active has one more
/// entry than Inactive, from the last Active to <see cref="FinishTime"/>. The trace repeats
/// with period <see cref="FinishTime"/>.
/// </summary>
/// <param name="Device">The device id from the trace.</param>
/// <param name="Active">Start of each online interval, increasing.</param>
/// <param name="Inactive">End of each online interval, increasing.</param>
/// <param name="FinishTime">Length of the trace (the replay period), positive.</param>
public sealed record DeviceAvailability(string Device, IReadOnlyList<double> Active, IReadOnlyList<double> Inactive, double FinishTime)
{
    /// <summary>Whether the device is online <paramref name="seconds"/> after the start, replaying in a loop.</summary>
    public bool IsActiveAt(double seconds)
    {
        double t = seconds % FinishTime;
        for (int i = 0; i < Active.Count; i++)
        {
            double end = i < Inactive.Count ? Inactive[i] : FinishTime;
            if (t >= Active[i] && t < end)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A message describing the first inconsistency, or null when the record is valid.</summary>
    public string? Check()
    {
        if (!(FinishTime > 0) || !double.IsFinite(FinishTime))
        {
            return $"device '{Device}': finish_time {FinishTime} must be a positive number.";
        }

        if (Inactive.Count != Active.Count && Inactive.Count != Active.Count - 1)
        {
            return $"device '{Device}': {Active.Count} active and {Inactive.Count} inactive times; inactive needs as many entries as active or one fewer.";
        }

        double previous = 0;
        for (int i = 0; i < Active.Count; i++)
        {
            double end = i < Inactive.Count ? Inactive[i] : FinishTime;
            if (!double.IsFinite(Active[i]) || Active[i] < previous || !(end > Active[i]) || end > FinishTime)
            {
                return $"device '{Device}': interval {i} [{Active[i]}, {end}) is not increasing within [0, finish_time={FinishTime}] after {previous}.";
            }

            previous = end;
        }

        return null;
    }
}

/// <summary>
/// A FedScale-like client availability trace (per device: active and inactive timestamps and a
/// finish_time, replayed in a loop), loaded from JSON or CSV or synthesized with the same shape.
/// </summary>
/// <remarks>
/// JSON: either an object mapping device id to <c>{"active": [s...], "inactive": [s...],
/// "finish_time": s}</c> (FedScale's pickle converted as is; other fields such as "duration"
/// and "model" are ignored) or an array of such objects each with a "device" field.
/// CSV: header <c>device,finish_time,active,inactive</c>, one device per line, lists of
/// seconds separated by ';'. Node i replays device i mod D.
/// </remarks>
public sealed class AvailabilityTrace
{
    private AvailabilityTrace(IReadOnlyList<DeviceAvailability> devices) => Devices = devices;

    /// <summary>The devices in file order.</summary>
    public IReadOnlyList<DeviceAvailability> Devices { get; }

    /// <summary>Builds a trace from records, validating each.</summary>
    public static LoadResult<AvailabilityTrace> FromDevices(IReadOnlyList<DeviceAvailability> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Count == 0)
        {
            return LoadResult<AvailabilityTrace>.Failure("the trace has no devices.");
        }

        foreach (var device in devices)
        {
            if (device.Check() is { } error)
            {
                return LoadResult<AvailabilityTrace>.Failure(error);
            }
        }

        return LoadResult<AvailabilityTrace>.Success(new AvailabilityTrace(devices.ToArray()));
    }

    /// <summary>Loads a .json or .csv trace file.</summary>
    public static LoadResult<AvailabilityTrace> Load(string path) => TraceFiles.Load(path, "availability trace", ParseCsv, ParseJson);

    /// <summary>Parses the JSON form (see the class remarks).</summary>
    public static LoadResult<AvailabilityTrace> ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var devices = new List<DeviceAvailability>();
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject())
                {
                    devices.Add(ReadDevice(property.Name, property.Value));
                }
            }
            else if (root.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (var element in root.EnumerateArray())
                {
                    devices.Add(ReadDevice(TraceFiles.DeviceName(element, index++), element));
                }
            }
            else
            {
                return LoadResult<AvailabilityTrace>.Failure("the JSON root must be an object or an array of devices.");
            }

            return FromDevices(devices);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return LoadResult<AvailabilityTrace>.Failure(e.Message);
        }
    }

    /// <summary>Parses the CSV form (see the class remarks).</summary>
    public static LoadResult<AvailabilityTrace> ParseCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? header = reader.ReadLine();
        if (header?.Replace(" ", "", StringComparison.Ordinal) != "device,finish_time,active,inactive")
        {
            return LoadResult<AvailabilityTrace>.Failure("line 1: the header must be 'device,finish_time,active,inactive'.");
        }

        var devices = new List<DeviceAvailability>();
        int line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            string[] cells = text.Split(',');
            if (cells.Length != 4)
            {
                return LoadResult<AvailabilityTrace>.Failure($"line {line}: {cells.Length} fields, expected 4.");
            }

            if (!TryNumber(cells[1], out double finish) || !TryList(cells[2], out var active) || !TryList(cells[3], out var inactive))
            {
                return LoadResult<AvailabilityTrace>.Failure($"line {line}: finish_time must be a number and active/inactive ';'-separated numbers.");
            }

            devices.Add(new DeviceAvailability(cells[0].Trim(), active, inactive, finish));
        }

        return FromDevices(devices);
    }

    /// <summary>
    /// A synthetic trace with the FedScale shape: each device alternates online sessions and
    /// offline gaps from the given distributions (seeded per device) over one period.
    /// </summary>
    public static AvailabilityTrace Synthetic(int devices, SessionDistribution online, SessionDistribution offline, TimeSpan period, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentNullException.ThrowIfNull(online);
        ArgumentNullException.ThrowIfNull(offline);
        double finish = period.TotalSeconds;
        var list = new List<DeviceAvailability>(devices);
        for (int d = 0; d < devices; d++)
        {
            var random = new Random(Seeds.Derive(seed, d));
            var active = new List<double>();
            var inactive = new List<double>();
            // Half the devices start mid-session at 0, the others after a random part of an absence,
            // so the population is not all online (or all offline) at time 0.
            double t = random.NextDouble() < 0.5 ? 0 : Math.Round(random.NextDouble() * SimTime.ToSeconds(offline.Sample(random)), 3);
            while (t < finish)
            {
                active.Add(Math.Round(t, 3));
                t = Math.Round(t + Math.Max(0.001, SimTime.ToSeconds(online.Sample(random))), 3);
                if (t >= finish)
                {
                    break;
                }

                inactive.Add(t);
                t += Math.Max(0.001, SimTime.ToSeconds(offline.Sample(random)));
            }

            list.Add(new DeviceAvailability($"synthetic-{d}", active, inactive, finish));
        }

        return FromDevices(list).ValueOrThrow();
    }

    /// <summary>Whether node <paramref name="node"/> (device node mod D) is online at time 0.</summary>
    public bool InitiallyOnline(int node) => DeviceOf(node).IsActiveAt(0);

    /// <summary>The device that node <paramref name="node"/> replays.</summary>
    public DeviceAvailability DeviceOf(int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        return Devices[node % Devices.Count];
    }

    /// <summary>
    /// Join and offline events for nodes 0..<paramref name="nodeCount"/>-1 up to
    /// <paramref name="horizon"/>, replaying each device's trace in a loop. Nodes online at
    /// time 0 (see <see cref="InitiallyOnline"/>) get no join at 0; an interval that ends at
    /// finish_time and restarts at 0 of the next loop is one session.
    /// </summary>
    public ChurnSchedule ToSchedule(int nodeCount, TimeSpan horizon, ChurnKind offlineKind = ChurnKind.Crash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        if (offlineKind is not (ChurnKind.Crash or ChurnKind.Leave))
        {
            throw new ArgumentOutOfRangeException(nameof(offlineKind), offlineKind, "Going offline is a Crash or a Leave.");
        }

        long end = SimTime.FromTimeSpan(horizon);
        var schedule = new ChurnSchedule();
        var pending = new List<ChurnEvent>();
        for (int node = 0; node < nodeCount; node++)
        {
            var device = DeviceOf(node);
            pending.Clear();
            for (long cycle = 0; SimTime.FromSeconds(cycle * device.FinishTime) < end; cycle++)
            {
                double offset = cycle * device.FinishTime;
                for (int i = 0; i < device.Active.Count; i++)
                {
                    long on = SimTime.FromSeconds(offset + device.Active[i]);
                    long off = SimTime.FromSeconds(offset + (i < device.Inactive.Count ? device.Inactive[i] : device.FinishTime));
                    if (on >= end)
                    {
                        break;
                    }

                    if (pending.Count > 0 && pending[^1].Time == on)
                    {
                        pending.RemoveAt(pending.Count - 1);
                    }
                    else if (on > 0)
                    {
                        pending.Add(new ChurnEvent(on, ChurnKind.Join, node));
                    }

                    if (off < end)
                    {
                        pending.Add(new ChurnEvent(off, offlineKind, node));
                    }
                }
            }

            foreach (var e in pending)
            {
                schedule.Add(e);
            }
        }

        return schedule;
    }

    private static DeviceAvailability ReadDevice(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"device '{name}' must be an object.");
        }

        return new DeviceAvailability(name, ReadArray(name, element, "active"), ReadArray(name, element, "inactive"), ReadNumber(name, element, "finish_time"));
    }

    private static double[] ReadArray(string device, JsonElement element, string field)
    {
        if (!element.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"device '{device}': field \"{field}\" must be an array of seconds.");
        }

        return value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new FormatException($"device '{device}': \"{field}\" holds a non-number.")).ToArray();
    }

    private static double ReadNumber(string device, JsonElement element, string field) =>
        element.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new FormatException($"device '{device}': field \"{field}\" must be a number.");

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static bool TryList(string text, out double[] values)
    {
        string[] parts = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!TryNumber(parts[i], out values[i]))
            {
                return false;
            }
        }

        return true;
    }
}
