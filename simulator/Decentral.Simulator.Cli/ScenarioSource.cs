using System.Reflection;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli;

/// <summary>
/// Finds a scenario: a file path, a name in configs/ (searched from the current folder upwards),
/// or one of the scenario files embedded in this program (so the defaults work from anywhere).
/// </summary>
internal static class ScenarioSource
{
    public const string DefaultScenario = "quickstart";

    public static ScenarioLoad Load(string? nameOrPath)
    {
        var name = nameOrPath ?? DefaultScenario;
        if (File.Exists(name))
        {
            return ScenarioLoader.LoadFile(name);
        }

        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.Contains('/'))
        {
            return new ScenarioLoad(null, [$"{name}: no such scenario file."]);
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "configs", name + ".json");
            if (File.Exists(candidate))
            {
                return ScenarioLoader.LoadFile(candidate);
            }
        }

        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"configs/{name}.json");
        if (stream is null)
        {
            var known = Assembly.GetExecutingAssembly().GetManifestResourceNames().Select(n => Path.GetFileNameWithoutExtension(n));
            return new ScenarioLoad(null, [$"no scenario named '{name}' (embedded: {string.Join(", ", known)})."]);
        }

        using var reader = new StreamReader(stream);
        return ScenarioLoader.Parse(reader.ReadToEnd());
    }
}
