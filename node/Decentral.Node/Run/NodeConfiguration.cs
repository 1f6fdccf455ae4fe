using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Decentral.Cli;
using Decentral.Node.Runtime.Options;
using Decentral.Node.Runtime.Runtime;
using Microsoft.Extensions.Configuration;

namespace Decentral.Node.Run;

/// <summary>
/// The node's configuration layers, later ones winning: configs/node.json (embedded: the
/// documented defaults), the file given with --config, environment variables prefixed
/// DECENTRAL_ (DECENTRAL_NODE__SESSION=x sets node:session), then command-line overrides.
/// Every key must name a setting: an unknown key is an error naming it and its nearest valid
/// neighbour, so a typo never passes silently as a default.
/// </summary>
internal static class NodeConfiguration
{
    /// <summary>The environment-variable prefix.</summary>
    public const string EnvironmentPrefix = "DECENTRAL_";

    /// <summary>The sections and the options class each binds to.</summary>
    public static IReadOnlyList<(string Section, Type Options)> Sections { get; } =
    [
        (NodeOptions.Section, typeof(NodeOptions)),
        (NodeOptionsValidator.ProtocolSection, typeof(Protocol.ModestOptions)),
        (NodeOptionsValidator.BaselinesSection, typeof(Baselines.BaselineSettings)),
        (NodeLearningOptions.Section, typeof(NodeLearningOptions)),
        (FoundingOptions.Section, typeof(FoundingOptions)),
        (NetworkOptions.Section, typeof(NetworkOptions)),
    ];

    /// <summary>
    /// Top-level keys outside the node's sections that are not the node's settings: Logging
    /// (read by the host's logging) and DATA (from $DECENTRAL_DATA, the data folder the data
    /// catalog reads when learning:dataRoot is not set).
    /// </summary>
    private static readonly string[] HostingSections = ["Logging", "DATA"];

    /// <summary>The embedded defaults (configs/node.json).</summary>
    public static Stream Defaults() =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream("node.json")
        ?? throw new InvalidOperationException("configs/node.json is not embedded in the program.");

    /// <summary>Adds every layer to <paramref name="builder"/>.</summary>
    public static void AddLayers(IConfigurationBuilder builder, string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        builder.AddJsonStream(Defaults());
        if (configFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides);
    }

    /// <summary>Every key of <paramref name="configuration"/> that names no setting (each with a suggestion) or holds a value of the wrong kind.</summary>
    public static List<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        var sections = Sections.Select(s => s.Section).Concat(HostingSections).ToList();
        foreach (var top in configuration.GetChildren())
        {
            if (HostingSections.Contains(top.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var known = Sections.FirstOrDefault(s => string.Equals(s.Section, top.Key, StringComparison.OrdinalIgnoreCase));
            if (known.Options is null)
            {
                problems.Add($"unknown setting '{top.Path}'{Suggestions.DidYouMean(top.Key, sections)}");
                continue;
            }

            Check(top, known.Options, problems);
        }

        return problems;
    }

    /// <summary>The options sections bound from <paramref name="configuration"/> (unknown keys are checked first by <see cref="Problems"/>).</summary>
    public static NodeRuntimeOptions Bind(IConfiguration configuration)
    {
        var options = new NodeRuntimeOptions();
        configuration.GetSection(NodeOptions.Section).Bind(options.Node);
        configuration.GetSection(NodeOptionsValidator.ProtocolSection).Bind(options.Protocol);
        configuration.GetSection(NodeOptionsValidator.BaselinesSection).Bind(options.Baselines);
        configuration.GetSection(NodeLearningOptions.Section).Bind(options.Learning);
        configuration.GetSection(FoundingOptions.Section).Bind(options.Founding);
        configuration.GetSection(NetworkOptions.Section).Bind(options.Network);
        return options;
    }

    // What a value must look like for the property type, or null when it converts.
    private static string? ValueProblem(Type type, string value)
    {
        if (type == typeof(string) || (value.Length == 0 && !type.IsValueType))
        {
            return null;
        }

        var expected = type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) => "a number such as 0.5",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(TimeSpan) => "a duration hh:mm:ss such as 00:00:05",
            _ => null,
        };
        if (expected is null)
        {
            return null;
        }

        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromString(null, CultureInfo.InvariantCulture, value);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            return expected;
        }
    }

    // The key as the user writes it: camelCase segments (configuration keys match case-insensitively).
    private static string Key(string path) =>
        string.Join(':', path.Split(':').Select(p => p.Length > 0 && char.IsUpper(p[0]) && !p.All(char.IsUpper) ? char.ToLowerInvariant(p[0]) + p[1..] : p));

    // A key names a property (case-insensitively, as the binder matches); nested option objects
    // are checked recursively; lists take numeric indices.
    private static void Check(IConfigurationSection section, Type type, List<string> problems)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                var names = properties.Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);
                problems.Add($"unknown setting '{Key(child.Path)}'{Suggestions.DidYouMean(child.Key, names)}");
                continue;
            }

            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (t.IsClass && t != typeof(string) && !t.IsGenericType && child.GetChildren().Any())
            {
                Check(child, t, problems);
            }
            else if (child.Value is { } value && ValueProblem(t, value) is { } expected)
            {
                problems.Add($"{Key(child.Path)}: '{value}' is not {expected}");
            }
        }
    }
}
