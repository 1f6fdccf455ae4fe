using System.CommandLine;
using Decentral.Cli;
using Decentral.Simulator.Cli.Verbs;

namespace Decentral.Simulator.Cli.Tests;

public sealed class SimulatorCommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLineRunner.InvokeAsync(SimulatorCommandLine.Create(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("validate", "--help")]
    [InlineData("reproduce", "--help")]
    [InlineData("help")]
    [InlineData("help", "reproduce")]
    [InlineData("crash", "--help")]
    public async Task Help_EveryVerb_ExitsZero(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(error);
        Assert.Contains("Usage:", output);
        Assert.Contains("Exit codes:", output);
    }

    [Theory]
    [InlineData("error: unknown option '--nodez' for 'decentral-sim'; did you mean --nodes?", "--nodez", "5")]
    [InlineData("error: unknown option '--nodez' for 'decentral-sim'; did you mean --nodes?", "crash", "--nodez", "5")]
    [InlineData("error: unknown option '--rouds' for 'decentral-sim run'; did you mean --rounds?", "run", "--rouds", "5")]
    [InlineData("error: unknown option '--qick' for 'decentral-sim reproduce'; did you mean --quick?", "reproduce", "--qick")]
    [InlineData("error: --seeds: '0' is not a whole number of at least 1", "reproduce", "--seeds", "0")]
    [InlineData("error: --seeds: 'three' is not a whole number of at least 1", "reproduce", "--seeds", "three")]
    [InlineData("error: --seeds needs a value (n)", "reproduce", "--seeds")]
    [InlineData("error: --nodes: '0' is not a whole number of at least 1", "validate", "crash", "--nodes", "0")]
    [InlineData("error: unknown verb 'valdate'; did you mean validate? (verbs: run, validate, reproduce)", "help", "valdate")]
    public async Task BadCommandLine_NamedWithSuggestion_ExitTwo(string expected, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(output);
        Assert.Equal(expected.Replace("decentral-sim", Root.Name, StringComparison.Ordinal), error.Split('\n')[0]);
    }

    [Theory]
    [InlineData("quikstart", "did you mean quickstart?")]
    [InlineData("validat", "did you mean the verb validate?")]
    public async Task UnknownScenario_NearestNameSuggested_ExitTwo(string name, string suggestion)
    {
        var (code, _, error) = await RunAsync(name);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"error: no scenario named '{name}'; {suggestion} (shipped: byzantine, crash, join, partition, quickstart, scale, sessions", error);
    }

    [Fact]
    public void Reproduce_Seeds_DefaultOneAndParsed()
    {
        Assert.Equal(1, Root.Parse(["reproduce", "--quick"]).GetValue<int>("--seeds"));
        var parsed = Root.Parse(["reproduce", "--quick", "--seeds", "5", "--only", "mnist-dir0.1"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(5, parsed.GetValue<int>("--seeds"));
        Assert.Equal("mnist-dir0.1", parsed.GetValue<string>("--only"));
        Assert.True(parsed.GetValue<bool>("--quick"));
    }

    [Fact]
    public void Reproduce_Suite_DefaultPaperAndRobustnessParsed()
    {
        Assert.Equal("paper", Root.Parse(["reproduce"]).GetValue<string>("--suite"));
        var parsed = Root.Parse(["reproduce", "--suite", "robustness", "--quick"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal("robustness", parsed.GetValue<string>("--suite"));
        Assert.Equal(Path.Combine("docs", "reproduction", "robustness-quick"), Reproduction.Reproducer.DefaultOut("robustness", quick: true));
    }

    [Fact]
    public async Task Reproduce_UnknownSuite_NamedExitTwo()
    {
        var (code, _, error) = await RunAsync("reproduce", "--suite", "attacks");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("error: --suite: 'attacks' is not one of paper, robustness", error.Split('\n')[0]);
    }

    private static RootCommand Root { get; } = SimulatorCommandLine.Create();
}
