using System.Text.Json;
using System.Text.Json.Serialization;
using Decentral.Cli;
using Decentral.Protocol;

namespace Decentral.Simulator.Scenarios;

/// <summary>Outcome of loading a scenario: the scenario, or every problem found, each naming its field.</summary>
/// <param name="Scenario">The scenario when valid.</param>
/// <param name="Errors">Problems, each starting with the JSON path of the field ("$.protocol.sampleSize: ...").</param>
/// <param name="Warnings">Legal settings that are likely wrong, each naming its field; they do not stop a run.</param>
public sealed record ScenarioLoad(Scenario? Scenario, IReadOnlyList<string> Errors, IReadOnlyList<string>? Warnings = null)
{
    /// <summary>True when the scenario loaded and validated.</summary>
    public bool Ok => Scenario is not null && Errors.Count == 0;
}

/// <summary>
/// Reads and validates scenario JSON (camelCase fields; comments and trailing commas allowed).
/// Every problem is found in one pass and named by its JSON path with the value found and what
/// was expected: invalid JSON, unknown fields (with the nearest valid name), wrong types and
/// enum values (<see cref="StrictJson"/>), then the rules of each field, the rules across fields
/// and the warnings (<see cref="Check"/>).
/// </summary>
public static partial class ScenarioLoader
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

    /// <summary>
    /// Loads a scenario file; a missing file or bad JSON is an error value, not an exception.
    /// Files the scenario names are relative to it. <paramref name="adjust"/> (command-line
    /// overrides) runs before the rules are checked.
    /// </summary>
    public static ScenarioLoad LoadFile(string path, Action<Scenario>? adjust = null)
    {
        if (!File.Exists(path))
        {
            return new ScenarioLoad(null, [$"{path}: no such scenario file."]);
        }

        return Load(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", adjust);
    }

    /// <summary>Parses and validates scenario JSON text (files it names are relative to the current folder).</summary>
    public static ScenarioLoad Parse(string json, Action<Scenario>? adjust = null) => Load(json, folder: null, adjust);

    private static ScenarioLoad Load(string json, string? folder, Action<Scenario>? adjust)
    {
        var read = StrictJson.Read<Scenario>(json, JsonOptions);
        if (read.Value is not { } scenario)
        {
            return new ScenarioLoad(null, [.. read.Problems.Select(p => p.ToString())]);
        }

        if (folder is not null)
        {
            ResolvePaths(scenario, folder);
        }

        adjust?.Invoke(scenario);
        var check = Check(scenario, read.BadPaths, read.Present);
        List<string> errors = [.. read.Problems.Select(p => p.ToString()), .. check.Errors];
        return new ScenarioLoad(errors.Count == 0 ? scenario : null, errors, check.Warnings);
    }

    private static void ResolvePaths(Scenario scenario, string folder)
    {
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

    /// <summary>Every problem of a scenario, each naming its field (the warnings: <see cref="Check"/>).</summary>
    public static List<string> Validate(Scenario s) => Check(s).Errors;

    /// <summary>The problems of single fields; each names its field, the value and what was expected.</summary>
    private static List<string> FieldErrors(Scenario s)
    {
        var errors = new List<string>();
        void Check(bool ok, string path, string message)
        {
            if (!ok)
            {
                errors.Add($"$.{path}: {message}");
            }
        }

        Check(!string.IsNullOrWhiteSpace(s.Name) && s.Name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, "name", $"must be a non-empty file-name-safe string (got \"{s.Name}\").");
        Check(ProtocolFactory.Algorithms.ContainsKey(s.Algorithm), "algorithm", $"must be one of {string.Join(", ", ProtocolFactory.Algorithms.Keys)} (got \"{s.Algorithm}\"){Suggestions.DidYouMean(s.Algorithm, ProtocolFactory.Algorithms.Keys)}");
        Check(s.Nodes >= 2, "nodes", $"must be at least 2 (got {s.Nodes}).");
        Check(s.Stop.Rounds >= 1, "stop.rounds", $"must be at least 1 (got {s.Stop.Rounds}).");
        Check(s.Stop.Time > TimeSpan.Zero, "stop.time", $"must be positive (got {s.Stop.Time}).");
        foreach (var problem in s.Protocol.Validate())
        {
            // "Robustness.TrimFraction must ..." names $.protocol.robustness.trimFraction, "Codec.Quantizer ..." $.protocol.codec.quantizer.
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
        Check(s.Baselines.FedAvgServerMbps >= 0 && double.IsFinite(s.Baselines.FedAvgServerMbps), "baselines.fedAvgServerMbps", $"must be 0 (unlimited) or a positive number of Mbit/s (got {s.Baselines.FedAvgServerMbps}).");
        Check(s.Algorithm != "dpsgd" || s.Baselines.Dpsgd.Topology != "regular" || s.Baselines.Dpsgd.Degree < s.Nodes, "baselines.dpsgd.degree", $"must be less than nodes ({s.Nodes}) (got {s.Baselines.Dpsgd.Degree}).");
        var n = s.Network;
        Check(n.Latency is "synthetic" or "constant" || n.Latency.EndsWith(".csv", StringComparison.OrdinalIgnoreCase), "network.latency", $"must be \"synthetic\", \"constant\" or a .csv site matrix path (got \"{n.Latency}\").");
        Check(n.ConstantLatency >= TimeSpan.Zero, "network.constantLatency", $"must not be negative (got {n.ConstantLatency}).");
        Check(n.Sites >= 1, "network.sites", $"must be at least 1 (got {n.Sites}).");
        Check(n.UploadMbps >= 0 && double.IsFinite(n.UploadMbps), "network.uploadMbps", $"must be >= 0 (0 = unlimited) (got {n.UploadMbps}).");
        Check(n.DownloadMbps >= 0 && double.IsFinite(n.DownloadMbps), "network.downloadMbps", $"must be >= 0 (0 = unlimited) (got {n.DownloadMbps}).");
        Check(n.Loss >= 0 && n.Loss < 1, "network.loss", $"must be in [0, 1) (got {n.Loss}).");
        Check(s.Compute.MsPerSampleMedian > 0 && double.IsFinite(s.Compute.MsPerSampleMedian), "compute.msPerSampleMedian", $"must be positive (got {s.Compute.MsPerSampleMedian}).");
        Check(s.Compute.CapacityTrace is null || s.Compute.CapacityTrace.Length > 0, "compute.capacityTrace", "must be a file path when set (got \"\").");
        Check(s.Compute.Sigma >= 0 && s.Compute.Sigma <= 5, "compute.sigma", $"must be in [0, 5] (got {s.Compute.Sigma}).");
        var l = s.Learning;
        Check(l.Task is "synthetic" or "mnist" or "fashion-mnist" or "movielens", "learning.task", $"must be one of {string.Join(", ", Tasks)} (got \"{l.Task}\"){Suggestions.DidYouMean(l.Task, Tasks)}");
        Check(l.Model is "softmax" or "lenet" or "mf", "learning.model", $"must be one of {string.Join(", ", Models)} (got \"{l.Model}\"){Suggestions.DidYouMean(l.Model, Models)}");
        Check(l.Model != "mf" || l.Task == "movielens", "learning.model", $"mf (matrix factorisation) needs task movielens (got task \"{l.Task}\").");
        Check(l.Task != "movielens" || l.Model == "mf", "learning.task", $"movielens needs model mf (got model \"{l.Model}\").");
        Check(l.Model != "lenet" || l.Task is "mnist" or "fashion-mnist", "learning.model", $"lenet needs an image task: mnist or fashion-mnist (got task \"{l.Task}\").");
        Check(l.Dimensions >= 1, "learning.dimensions", $"must be at least 1 (got {l.Dimensions}).");
        Check(l.Classes >= 2, "learning.classes", $"must be at least 2 (got {l.Classes}).");
        Check(l.SamplesPerNode >= 1, "learning.samplesPerNode", $"must be at least 1 (got {l.SamplesPerNode}).");
        Check(l.TestSamples >= 1, "learning.testSamples", $"must be at least 1 (got {l.TestSamples}).");
        Check(l.Alpha >= 0 && double.IsFinite(l.Alpha), "learning.alpha", $"must be >= 0 (0 = IID) (got {l.Alpha}).");
        Check(l.LearningRate > 0 && double.IsFinite(l.LearningRate), "learning.learningRate", $"must be positive (got {l.LearningRate}).");
        Check(l.BatchSize >= 1, "learning.batchSize", $"must be at least 1 (got {l.BatchSize}).");
        Check(l.LocalSteps >= 1, "learning.localSteps", $"must be at least 1 (got {l.LocalSteps}).");
        Check(l.EvalEveryRounds >= 1, "learning.evalEveryRounds", $"must be at least 1 (got {l.EvalEveryRounds}).");
        Check(l.EvalNodes >= 1, "learning.evalNodes", $"must be at least 1 (got {l.EvalNodes}).");
        for (var i = 0; i < s.Churn.Count; i++)
        {
            var c = s.Churn[i];
            var p = $"churn[{i}]";
            Check(c.At >= TimeSpan.Zero, $"{p}.at", $"must not be negative (got {c.At}).");
            Check(c.Every >= TimeSpan.Zero, $"{p}.every", $"must not be negative (got {c.Every}).");
            Check(c.Count >= 1, $"{p}.count", $"must be at least 1 (got {c.Count}).");
            Check(c.Total is null || c.Total >= c.Count, $"{p}.total", $"must be at least count ({c.Count}) (got {c.Total}).");
            Check(c.Total is null || c.Total == c.Count || c.Every > TimeSpan.Zero, $"{p}.every", $"must be positive when total ({c.Total}) exceeds count ({c.Count}) (got {c.Every}).");
            Check(c.Kind != ChurnKind.Partition || c.Groups >= 2, $"{p}.groups", $"a partition needs at least 2 groups (got {c.Groups}).");
            Check(c.Kind != ChurnKind.Sessions || (c.Shape > 0 && double.IsFinite(c.Shape)), $"{p}.shape", $"must be positive (got {c.Shape}).");
            Check(c.Kind != ChurnKind.Sessions || (c.Scale > TimeSpan.Zero && c.OfflineMean > TimeSpan.Zero), $"{p}.scale", $"scale and offlineMean must be positive (got {c.Scale} and {c.OfflineMean}).");
            Check(c.Kind != ChurnKind.Sessions || (c.Graceful >= 0 && c.Graceful <= 1), $"{p}.graceful", $"must be in [0, 1] (got {c.Graceful}).");
            Check(c.Kind != ChurnKind.Trace || !string.IsNullOrEmpty(c.Path), $"{p}.path", "a trace needs the path of an availability trace file (got none).");
        }

        Check(s.Churn.Count(c => c.Kind is ChurnKind.Sessions or ChurnKind.Trace) <= 1, "churn", $"at most one sessions or trace entry (got {s.Churn.Count(c => c.Kind is ChurnKind.Sessions or ChurnKind.Trace)}).");
        var a = s.Attack;
        Check(AttackKinds.All.Contains(a.Kind), "attack.kind", $"must be one of {string.Join(", ", AttackKinds.All)} (got \"{a.Kind}\"){Suggestions.DidYouMean(a.Kind, AttackKinds.All)}");
        Check(AggregatePoisons.All.Contains(a.AggregatePoison), "attack.aggregatePoison", $"must be one of {string.Join(", ", AggregatePoisons.All)} (got \"{a.AggregatePoison}\"){Suggestions.DidYouMean(a.AggregatePoison, AggregatePoisons.All)}");
        Check(a.Fraction >= 0 && a.Fraction < 1, "attack.fraction", $"must be in [0, 1) (got {a.Fraction}).");
        Check(a.Factor > 0 && double.IsFinite(a.Factor), "attack.factor", $"must be positive (got {a.Factor}).");
        Check(a.Sigma > 0 && double.IsFinite(a.Sigma), "attack.sigma", $"must be positive (got {a.Sigma}).");
        Check(a.Z > 0 && double.IsFinite(a.Z), "attack.z", $"must be positive (got {a.Z}).");
        return errors;
    }
}
