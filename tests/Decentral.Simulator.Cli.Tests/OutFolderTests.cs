using Decentral.Tests.Shared;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>decentral-sim given an output folder it cannot use: exit 2 and one line, never a stack trace.</summary>
public sealed class OutFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("decentral-sim-out-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string, string> Unusable => new()
    {
        { "file", "cannot be the output folder: it is a file" },
        { "file/below", "cannot create the output folder: {root}/file is a file" },
        { "/proc/decentral-sim-run", "cannot create the output folder: " },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public async Task Run_UnusableOut_ExitTwoAndOneLineNamingPathAndReason(string relative, string reason)
    {
        var scenario = Path.Combine(_root, "tiny.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "tiny", "nodes": 6, "stop": { "rounds": 2 }, "protocol": { "sampleSize": 3, "minModels": 1 } }""");
        await File.WriteAllTextAsync(Path.Combine(_root, "file"), "taken");
        var outDir = Path.Combine(_root, relative);

        var result = await Executable.RunAsync("decentral-sim.dll", ["run", scenario, "--out", outDir]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: --out {outDir}: {reason.Replace("{root}", _root, StringComparison.Ordinal)}", line);
        Assert.Empty(result.Stdout);
    }
}
