using Decentral.Cli;
using Decentral.Simulator.Cli.Verbs;

namespace Decentral.Simulator.Cli.Tests;

public sealed class ValidateVerbTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("decentral-validate-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<(int Code, string Out, string Err)> ValidateAsync(string json, params string[] options)
    {
        var file = Path.Combine(_root, "s.json");
        await File.WriteAllTextAsync(file, json);
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLineRunner.InvokeAsync(SimulatorCommandLine.Create(), ["validate", file, .. options], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Validate_LikelyWrong_PrintsSettingsAndTheWarning()
    {
        var (code, output, error) = await ValidateAsync("""{ "protocol": { "inactivityThreshold": 5 } }""");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("\"inactivityThreshold\": 5", output);
        Assert.StartsWith("warning: $.protocol.inactivityThreshold: 5 rounds is not above nodes / sampleSize", error);
    }

    [Fact]
    public async Task Validate_Impossible_ExitTwoEveryErrorNothingOnStdout()
    {
        var (code, output, error) = await ValidateAsync("""{ "nodes": 5, "protocol": { "sampleSize": 10, "minModel": 2 } }""");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(output);
        Assert.Equal(
        [
            "error: $.protocol.minModel: unknown field; did you mean minModels?",
            "error: $.protocol.sampleSize: must be at most nodes (5) (got 10): a round needs that many live peers, so every round would wait out its timeout.",
        ], error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Validate_OverrideFixesTheFile_Ok()
    {
        var (code, output, _) = await ValidateAsync("""{ "nodes": 5, "protocol": { "sampleSize": 10 } }""", "--nodes", "50");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("\"nodes\": 50", output);
    }
}
