namespace Decentral.Fuzz;

/// <summary>The committed corpus of a target (tests/fuzz/corpus/NAME) plus its code-made seeds.</summary>
internal static class Corpus
{
    /// <summary>tests/fuzz/corpus, found above the running binary (or given by DECENTRAL_FUZZ_CORPUS).</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DECENTRAL_FUZZ_CORPUS") is { Length: > 0 } configured)
            {
                return configured;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fuzz", "corpus");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("tests/fuzz/corpus not found above the binaries; set DECENTRAL_FUZZ_CORPUS.");
        }
    }

    public static IReadOnlyList<byte[]> Load(FuzzTarget target)
    {
        var dir = Path.Combine(Root, target.Name);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes) : [];
        return [.. target.Seeds(), .. files];
    }
}
