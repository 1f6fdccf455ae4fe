namespace Decentral.Tests.Shared;

/// <summary>The repository checkout the tests run in (found from the test binaries). Linked into the test projects that read its files.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string Configs => Path.Combine(Root, "configs");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decentral.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Decentral.sln not found above the test binaries.");
    }
}
