using System.Reflection;
using Decentral.Cli;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli;

/// <summary>
/// Finds a scenario: a file path, a name in configs/ (searched from the current folder upwards),
/// or one of the scenario files embedded in this program (so the defaults work from anywhere).
/// </summary>
internal static class ScenarioSource
{
    public const string DefaultScenario = "quickstart";

    /// <summary>The names of the scenario files embedded in the program (configs/*.json at build time).</summary>
    public static IReadOnlyList<string> EmbeddedNames { get; } = [.. Assembly.GetExecutingAssembly().GetManifestResourceNames()
        .Where(n => n.StartsWith("configs/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>
    /// Loads <paramref name="nameOrPath"/> (null: the default scenario). An unknown name is
    /// answered with the nearest scenario name, or the nearest of <paramref name="verbs"/> when
    /// the name was a misspelt verb in the scenario's place. <paramref name="adjust"/> (the
    /// command-line overrides) runs before the scenario's rules are checked.
    /// </summary>
    public static ScenarioLoad Load(string? nameOrPath, IEnumerable<string>? verbs = null, Action<Scenario>? adjust = null)
    {
        var name = nameOrPath ?? DefaultScenario;
        if (File.Exists(name))
        {
            return ScenarioLoader.LoadFile(name, adjust);
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
                return ScenarioLoader.LoadFile(candidate, adjust);
            }
        }

        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"configs/{name}.json");
        if (stream is null)
        {
            var hint = Suggestions.Nearest(name, EmbeddedNames) is { } scenario ? $"; did you mean {scenario}?"
                : verbs is not null && Suggestions.Nearest(name, verbs) is { } verb ? $"; did you mean the verb {verb}?"
                : "";
            return new ScenarioLoad(null, [$"no scenario named '{name}'{hint} (shipped: {string.Join(", ", EmbeddedNames)}; or a path to a .json file)."]);
        }

        using var reader = new StreamReader(stream);
        return ScenarioLoader.Parse(reader.ReadToEnd(), adjust);
    }
}
