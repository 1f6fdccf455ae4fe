using System.Diagnostics;
using Decentral.Tests.Shared;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>scripts/simulate.sh with a stand-in dotnet on the PATH: what it tells the user around the build.</summary>
public sealed class SimulateScriptTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("decentral-fake-dotnet-").FullName;

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    [Fact]
    [Trait("Category", "RealData")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Script_BuildAlreadyThere_NoFirstBuildNote()
    {
        var fake = Path.Combine(_bin, "dotnet");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho \"fake dotnet $*\"\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var built = File.Exists(Path.Combine(Repository.Root, "simulator/Decentral.Simulator.Cli/bin/Release/net10.0/decentral-sim.dll"));
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "simulate.sh"), "help"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}" },
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("[simulate] building the simulator", stderr);
        Assert.Equal(!built, stderr.Contains("the first build takes a minute", StringComparison.Ordinal));
        Assert.Contains("decentral-sim.dll help", await stdout);
    }
}
