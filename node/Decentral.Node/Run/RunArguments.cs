namespace Decentral.Node.Run;

/// <summary>What the run verb's command line says: a config file and overrides of single settings.</summary>
internal sealed record RunArguments
{
    /// <summary>A JSON configuration file layered over the embedded defaults (null: none).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Settings given on the command line, by configuration key ("node:dataDir").</summary>
    public Dictionary<string, string?> Overrides { get; init; } = new(StringComparer.OrdinalIgnoreCase);
}
