using System.CommandLine;

namespace Decentral.Cli.Tests;

public sealed class CommandLineRunnerTests
{
    private static RootCommand Tool(Action<int, TimeSpan?>? seen = null)
    {
        var count = CliOptions.Int("--count", "How many.", 1).WithDefault(1);
        var wait = CliOptions.Duration("--wait", "How long.", TimeSpan.FromSeconds(5));
        var verb = new Command("go", "Does it.") { count, wait };
        verb.SetAction(r =>
        {
            seen?.Invoke(r.GetValue(count), r.GetValue(wait));
            return 7;
        });
        return new RootCommand("tool") { verb, new Command("stop", "Stops.") };
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(RootCommand root, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLineRunner.InvokeAsync(root, args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("go", "--help")]
    [InlineData("go", "-h")]
    [InlineData("stop", "--help")]
    public async Task Help_AnyVerb_ExitsZeroWithTheExitCodeTable(params string[] args)
    {
        var (code, output, error) = await RunAsync(Tool(), args);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(error);
        Assert.Contains("Usage:", output);
        Assert.Contains("Exit codes:", output);
        Assert.Contains("2  bad input", output);
    }

    [Fact]
    public async Task Help_Duration_DefaultShownAsTyped()
    {
        var (_, output, _) = await RunAsync(Tool(), "go", "--help");

        Assert.Contains("[default: 5s]", output);
    }

    [Fact]
    public async Task Valid_ActionRuns_ItsExitCodeReturned()
    {
        (int Count, TimeSpan? Wait) seen = default;

        var (code, _, error) = await RunAsync(Tool((c, w) => seen = (c, w)), "go", "--count", "3", "--wait", "250ms");

        Assert.Equal(7, code);
        Assert.Empty(error);
        Assert.Equal((3, TimeSpan.FromMilliseconds(250)), seen);
    }

    [Fact]
    public async Task UnknownOption_NamedWithSuggestion_ExitTwo()
    {
        var root = Tool();

        var (code, _, error) = await RunAsync(root, "go", "--cont", "3");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal([$"error: unknown option '--cont' for '{root.Name} go'; did you mean --count?", $"see '{root.Name} go --help'"], Lines(error));
    }

    [Fact]
    public async Task UnknownVerb_NamedWithSuggestionAndTheVerbs_ExitTwo()
    {
        var root = Tool();

        var (code, _, error) = await RunAsync(root, "og");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal(["error: unknown verb 'og'; did you mean go? (verbs: go, stop)", $"see '{root.Name} --help'"], Lines(error));
    }

    [Fact]
    public async Task NoVerb_ListsTheVerbs_ExitTwo()
    {
        var (code, _, error) = await RunAsync(Tool());

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("error: no verb given (verbs: go, stop)", Lines(error)[0]);
    }

    [Theory]
    [InlineData("--count", "0", "error: --count: '0' is not a whole number of at least 1")]
    [InlineData("--count", "many", "error: --count: 'many' is not a whole number of at least 1")]
    [InlineData("--wait", "soon", "error: --wait: 'soon' is not a duration like 250ms, 5s or 2m")]
    public async Task BadValue_NamedInUserTerms_ExitTwo(string option, string value, string expected)
    {
        var (code, _, error) = await RunAsync(Tool(), "go", option, value);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal(expected, Lines(error)[0]);
    }

    [Fact]
    public async Task MissingValue_SaysTheOptionNeedsOne()
    {
        var (code, _, error) = await RunAsync(Tool(), "go", "--count");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("error: --count needs a value (n)", Lines(error)[0]);
    }

    [Fact]
    public async Task EveryProblem_ReportedAtOnce()
    {
        var (_, _, error) = await RunAsync(Tool(), "go", "--count", "0", "--wait", "soon", "--bogus");

        Assert.Equal(4, Lines(error).Length);
    }

    [Fact]
    public async Task SuggestDirective_PartialVerb_ListsTheMatchingVerbs()
    {
        var (code, output, error) = await RunAsync(Tool(), "[suggest]", "s");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(error);
        Assert.Contains("stop", Lines(output));
        Assert.DoesNotContain("go", Lines(output));
    }

    [Fact]
    public async Task SuggestDirective_OptionPrefixAtAPosition_ListsTheVerbsOptions()
    {
        // What the dotnet-suggest shell hook asks for: the completions at the cursor position.
        var (code, output, _) = await RunAsync(Tool(), "[suggest:5]", "go --");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("--count", Lines(output));
        Assert.Contains("--wait", Lines(output));
        Assert.DoesNotContain("stop", Lines(output));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
