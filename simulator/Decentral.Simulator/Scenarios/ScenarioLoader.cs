using System.Text.Json;
using System.Text.Json.Serialization;

namespace Decentral.Simulator.Scenarios;

/// <summary>Outcome of loading a scenario: the scenario, or every problem found, each naming its field.</summary>
/// <param name="Scenario">The scenario when valid.</param>
/// <param name="Errors">Problems, each starting with the JSON path of the field ("$.protocol.sampleSize: ...").</param>
public sealed record ScenarioLoad(Scenario? Scenario, IReadOnlyList<string> Errors)
{
    /// <summary>True when the scenario loaded and validated.</summary>
    public bool Ok => Scenario is not null && Errors.Count == 0;
}

/// <summary>Reads and validates scenario JSON (camelCase fields; comments and trailing commas allowed; unknown fields rejected).</summary>
public static class ScenarioLoader
{
    /// <summary>The JSON options used for scenarios (also for writing them back).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Loads a scenario file; a missing file or bad JSON is an error value, not an exception.</summary>
    public static ScenarioLoad LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            return new ScenarioLoad(null, [$"{path}: no such scenario file."]);
        }

        var load = Parse(File.ReadAllText(path));
        if (load.Scenario is { } scenario)
        {
            // Files named in a scenario are relative to the scenario file.
            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            if (scenario.Network.Latency.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                scenario.Network.Latency = Path.Combine(folder, scenario.Network.Latency);
            }

            if (scenario.Compute.CapacityTrace is { Length: > 0 } trace)
            {
                scenario.Compute.CapacityTrace = Path.Combine(folder, trace);
            }

            foreach (var churn in scenario.Churn.Where(c => c.Path is { Length: > 0 }))
            {
                churn.Path = Path.Combine(folder, churn.Path!);
            }
        }

        return load;
    }

    /// <summary>Parses and validates scenario JSON text.</summary>
    public static ScenarioLoad Parse(string json)
    {
        Scenario? scenario;
        try
        {
            scenario = JsonSerializer.Deserialize<Scenario>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } p ? p : "$";
            var why = e.InnerException?.Message ?? e.Message;
            return new ScenarioLoad(null, [$"{where}: {why} (line {e.LineNumber + 1})"]);
        }

        if (scenario is null)
        {
            return new ScenarioLoad(null, ["$: the file holds no scenario object."]);
        }

        var errors = Validate(scenario);
        return new ScenarioLoad(errors.Count == 0 ? scenario : null, errors);
    }

    /// <summary>Every problem of a scenario, each naming its field.</summary>
    public static List<string> Validate(Scenario s)
    {
        var errors = new List<string>();
        void Check(bool ok, string path, string message)
        {
            if (!ok)
            {
                errors.Add($"$.{path}: {message}");
            }
        }

        Check(!string.IsNullOrWhiteSpace(s.Name) && s.Name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, "name", "must be a non-empty file-name-safe string.");
        Check(Runner.ProtocolFactory.Algorithms.ContainsKey(s.Algorithm), "algorithm", $"unknown algorithm \"{s.Algorithm}\" (known: {string.Join(", ", Runner.ProtocolFactory.Algorithms.Keys)}).");
        Check(s.Nodes >= 2, "nodes", $"must be at least 2 (got {s.Nodes}).");
        Check(s.Stop.Rounds >= 1, "stop.rounds", $"must be at least 1 (got {s.Stop.Rounds}).");
        Check(s.Stop.Time > TimeSpan.Zero, "stop.time", $"must be positive (got {s.Stop.Time}).");
        foreach (var problem in s.Protocol.Validate())
        {
            // "Robustness.TrimFraction must ..." names $.protocol.robustness.trimFraction.
            var field = problem.Split(' ', 2)[0].Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName);
            errors.Add($"$.protocol.{string.Join('.', field)}: {problem}");
        }

        void Nested(string section, IReadOnlyList<string> problems)
        {
            foreach (var problem in problems)
            {
                var field = problem.Split(' ', 2)[0];
                errors.Add($"$.baselines.{section}.{JsonNamingPolicy.CamelCase.ConvertName(field)}: {problem}");
            }
        }

        Nested("fedAvg", s.Baselines.FedAvg.Validate());
        Nested("dpsgd", s.Baselines.Dpsgd.Validate());
        Nested("gossip", s.Baselines.Gossip.Validate());
        Nested("epidemic", s.Baselines.Epidemic.Validate());
        Check(s.Baselines.FedAvgServerMbps >= 0 && double.IsFinite(s.Baselines.FedAvgServerMbps), "baselines.fedAvgServerMbps", "must be 0 (unlimited) or a positive number of Mbit/s.");
        Check(s.Algorithm != "dpsgd" || s.Baselines.Dpsgd.Topology != "regular" || s.Baselines.Dpsgd.Degree < s.Nodes, "baselines.dpsgd.degree", $"must be less than nodes ({s.Nodes}).");
        var n = s.Network;
        Check(n.Latency is "synthetic" or "constant" || n.Latency.EndsWith(".csv", StringComparison.OrdinalIgnoreCase), "network.latency", $"must be \"synthetic\", \"constant\" or a .csv site matrix path (got \"{n.Latency}\").");
        Check(n.ConstantLatency >= TimeSpan.Zero, "network.constantLatency", "must not be negative.");
        Check(n.Sites >= 1, "network.sites", "must be at least 1.");
        Check(n.UploadMbps >= 0 && double.IsFinite(n.UploadMbps), "network.uploadMbps", "must be >= 0 (0 = unlimited).");
        Check(n.DownloadMbps >= 0 && double.IsFinite(n.DownloadMbps), "network.downloadMbps", "must be >= 0 (0 = unlimited).");
        Check(n.Loss >= 0 && n.Loss < 1, "network.loss", $"must be in [0, 1) (got {n.Loss}).");
        Check(s.Compute.MsPerSampleMedian > 0 && double.IsFinite(s.Compute.MsPerSampleMedian), "compute.msPerSampleMedian", "must be positive.");
        Check(s.Compute.CapacityTrace is null || s.Compute.CapacityTrace.Length > 0, "compute.capacityTrace", "must be a file path when set.");
        Check(s.Compute.Sigma >= 0 && s.Compute.Sigma <= 5, "compute.sigma", "must be in [0, 5].");
        var l = s.Learning;
        Check(l.Task is "synthetic" or "mnist" or "fashion-mnist" or "movielens", "learning.task", $"must be synthetic, mnist, fashion-mnist or movielens (got \"{l.Task}\").");
        Check(l.Model is "softmax" or "lenet" or "mf", "learning.model", $"must be softmax, lenet or mf (got \"{l.Model}\").");
        Check(l.Model != "mf" || l.Task == "movielens", "learning.model", "mf (matrix factorisation) needs task movielens.");
        Check(l.Task != "movielens" || l.Model == "mf", "learning.task", "movielens needs model mf.");
        Check(l.Model != "lenet" || l.Task is "mnist" or "fashion-mnist", "learning.model", "lenet needs an image task (mnist, fashion-mnist).");
        Check(l.Dimensions >= 1, "learning.dimensions", "must be at least 1.");
        Check(l.Classes >= 2, "learning.classes", "must be at least 2.");
        Check(l.SamplesPerNode >= 1, "learning.samplesPerNode", "must be at least 1.");
        Check(l.TestSamples >= 1, "learning.testSamples", "must be at least 1.");
        Check(l.Alpha >= 0 && double.IsFinite(l.Alpha), "learning.alpha", "must be >= 0 (0 = IID).");
        Check(l.LearningRate > 0 && double.IsFinite(l.LearningRate), "learning.learningRate", "must be positive.");
        Check(l.BatchSize >= 1, "learning.batchSize", "must be at least 1.");
        Check(l.LocalSteps >= 1, "learning.localSteps", "must be at least 1.");
        Check(l.EvalEveryRounds >= 1, "learning.evalEveryRounds", "must be at least 1.");
        Check(l.EvalNodes >= 1, "learning.evalNodes", $"must be at least 1 (got {l.EvalNodes}).");
        for (var i = 0; i < s.Churn.Count; i++)
        {
            var c = s.Churn[i];
            var p = $"churn[{i}]";
            Check(c.At >= TimeSpan.Zero, $"{p}.at", "must not be negative.");
            Check(c.Every >= TimeSpan.Zero, $"{p}.every", "must not be negative.");
            Check(c.Count >= 1, $"{p}.count", "must be at least 1.");
            Check(c.Total is null || c.Total >= c.Count, $"{p}.total", "must be at least count.");
            Check(c.Total is null || c.Total == c.Count || c.Every > TimeSpan.Zero, $"{p}.every", "must be positive when total exceeds count.");
            Check(c.Kind != ChurnKind.Partition || c.Groups >= 2, $"{p}.groups", "a partition needs at least 2 groups.");
            Check(c.Kind != ChurnKind.Sessions || (c.Shape > 0 && double.IsFinite(c.Shape)), $"{p}.shape", "must be positive.");
            Check(c.Kind != ChurnKind.Sessions || (c.Scale > TimeSpan.Zero && c.OfflineMean > TimeSpan.Zero), $"{p}.scale", "scale and offlineMean must be positive.");
            Check(c.Kind != ChurnKind.Sessions || (c.Graceful >= 0 && c.Graceful <= 1), $"{p}.graceful", "must be in [0, 1].");
            Check(c.Kind != ChurnKind.Trace || !string.IsNullOrEmpty(c.Path), $"{p}.path", "a trace needs the path of an availability trace file.");
        }

        var crashed = s.Churn.Where(c => c.Kind is ChurnKind.Crash or ChurnKind.Leave).Sum(c => c.Total ?? c.Count);
        Check(s.Churn.Count(c => c.Kind is ChurnKind.Sessions or ChurnKind.Trace) <= 1, "churn", "at most one sessions or trace entry.");
        Check(crashed < s.Nodes + s.Churn.Where(c => c.Kind == ChurnKind.Join).Sum(c => c.Total ?? c.Count), "churn", $"crashes and leaves ({crashed}) must leave at least one node.");
        return errors;
    }
}
