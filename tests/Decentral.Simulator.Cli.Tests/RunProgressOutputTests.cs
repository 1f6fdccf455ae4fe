using System.Text.RegularExpressions;
using Decentral.Tests.Shared;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>decentral-sim run --quiet as a user runs it: progress lines toward whichever stop limit comes first.</summary>
public sealed partial class RunProgressOutputTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("decentral-sim-progress-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("""{ "name": "on-time", "nodes": 12, "stop": { "rounds": 100000, "time": "00:10:00" }, "protocol": { "sampleSize": 4, "minModels": 1 } }""")]
    [InlineData("""{ "name": "on-rounds", "nodes": 12, "stop": { "rounds": 30, "time": "10:00:00" }, "protocol": { "sampleSize": 4, "minModels": 1 } }""")]
    public async Task RunQuiet_EitherLimit_ProgressLinesWithEtaUpToTheEnd(string json)
    {
        var scenario = Path.Combine(_root, "s.json");
        await File.WriteAllTextAsync(scenario, json);

        var result = await Executable.RunAsync("decentral-sim.dll", ["run", scenario, "--quiet", "--out", Path.Combine(_root, "out")]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ProgressLine().Match(l)).Where(m => m.Success).ToList();
        Assert.True(lines.Count >= 20, $"only {lines.Count} progress lines:\n{result.Stderr}");
        var percents = lines.Select(m => int.Parse(m.Groups["percent"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(100, percents[^1]);
    }

    [GeneratedRegex(@"^\[ *(?<percent>\d+)%\] round \d+/\d+, t=\d+/\d+ s, online \d+, ETA (\d+:\d\d:\d\d|-)$")]
    private static partial Regex ProgressLine();
}
