using Decentral.Identity;
using Decentral.Node.Runtime.Identity;
using Decentral.Node.Runtime.Runtime;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Protocol;
using Decentral.Sampling;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests;

/// <summary>Nodes started together found one session, however far apart they settle.</summary>
[Trait("Category", "Network")]
public sealed class FoundingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task OneFounderSettlesSecondsEarly_OthersHearItsRoundTwo_AllFoundAndTrainRoundOne()
    {
        // Node 0 founds 100 ms after it knows all four, the others 1.5 s after. Node 0 is first in
        // round 2's order (its identity is picked so), so it is round 2's aggregator: it trains
        // round 1 in a few ms, collects its own model without a search, and its next
        // announcement says round 2 while the others still gather. Every founder is in round 1's
        // sample (s = 4) and round 2 needs two models: nodes that took round 2 for a running
        // session and joined would never train round 1, and the session would stall (seen in a
        // 4-node LeNet-5 cluster, where one founder settled 0.5 s before the rest).
        var identities = Enumerable.Range(0, 4).Select(_ => PeerIdentity.Generate()).ToArray();
        var order = identities.Select(i => i.PeerId).ToArray();
        SampleRank.Sort(order, 2);
        identities = [.. identities.OrderBy(i => Array.IndexOf(order, i.PeerId))];
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 4, output, (i, o) =>
        {
            Directory.CreateDirectory(o.Node.DataDir);
            var key = Path.Combine(o.Node.DataDir, KeyFile.FileName);
            File.WriteAllBytes(key, KeyFile.Encode(identities[i]));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            o.Protocol.MinModels = 2;
            o.Founding.Settle = i == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1.5);
        });

        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 4).WaitAsync(Bound);

        var roundOneTrainers = cluster.Observations
            .Where(o => o.Observation.Kind == ObservationKind.TrainingStarted && o.Observation.Round == 1)
            .Select(o => o.Node).ToHashSet();
        Assert.Equal([0, 1, 2, 3], roundOneTrainers.Order());
        Assert.All(cluster.Nodes, n => Assert.Equal(NodePhase.Running, n.Phase));
    }
}
