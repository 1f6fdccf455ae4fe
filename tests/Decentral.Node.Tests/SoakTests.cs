using Decentral.Soak;
using Decentral.Soak.Attack;
using Xunit.Abstractions;

namespace Decentral.Node.Tests;

/// <summary>Runs alone in this assembly: ten node processes and an attacker take both cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak";
}

/// <summary>
/// The CI tier of the soak under churn (scripts/soak.sh runs the 10-minute version of the same
/// code, docs/benchmarks/soak.md): ten decentral-node processes learning MNIST while an attacker
/// floods them (idle sockets, churn, garbage, gossip spam on the session topic, a slow reader and
/// a slow writer) and four of them are killed -9 and restarted on their data directories, each
/// kill once the previous victim was sampled again. Every wait is on a log line or node.json,
/// bounded for a loaded machine; the report names what failed.
/// </summary>
[Trait("Category", "Soak")]
[Collection(SoakCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TenNodes_FourKillsUnderFloodsSpamAndSlowPeers_NoExceptionsAndEveryVictimRejoinsAndIsSampledAgain()
    {
        using var scratch = new Kit.Scratch();
        var options = new SoakOptions
        {
            Nodes = 10,
            SampleSize = 4,
            KillEvery = null,
            PacedKills = 4,
            Attack = new AttackOptions(),
            BasePort = 0,
            Out = scratch.Path,
        };

        var report = await SoakRun.RunAsync(options, new OutputWriter(output));

        output.WriteLine(SoakMarkdown.Render(report, baseline: null));
        Assert.Empty(report.Failures());
        Assert.Equal(4, report.Restarts.Count);
        Assert.All(report.Restarts, r => Assert.Equal("rejoin", r.How));
        Assert.True(report.Rounds > 0, "no round was aggregated while the nodes were killed");
        Assert.True(report.Attack!.SpamMessages > 0 && report.Attack.Sockets > 0, "the attacker did nothing");
    }

    private sealed class OutputWriter(ITestOutputHelper output) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value) => output.WriteLine(value ?? "");
    }
}
