using Decentral.Tests.Shared;

namespace Decentral.Libp2p.Gossip.Tests.Interop;

/// <summary>decentral-node as a user runs it: its own process, exit codes and stderr.</summary>
public sealed class NodeExecutableTests
{
    private static Task<ExecutableResult> RunAsync(params string[] args) => Executable.RunAsync("decentral-node.dll", args);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("p2p", "--help")]
    public async Task Help_ExitsZeroAndListsTheExitCodes(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout);
        Assert.Contains("Exit codes:", result.Stdout);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task UnknownVerb_NamedWithSuggestion_ExitTwo()
    {
        var result = await RunAsync("pp2p");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: unknown verb 'pp2p'; did you mean p2p? (verbs: run, p2p", result.Stderr);
    }

    [Fact]
    public async Task NoVerb_ListsTheVerbs_ExitTwo()
    {
        var result = await RunAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: no verb given (verbs: run, p2p", result.Stderr);
    }
}
