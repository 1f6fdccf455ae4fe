using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Protocol;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests;

/// <summary>
/// The protocol scenarios the simulator's harness runs, through the real driver: node runtimes
/// in this process over loopback libp2p (TCP, Noise, Yamux, GossipSub, the message protocol).
/// </summary>
[Trait("Category", "Network")]
public sealed class DriverContractTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task FourNodes_OverLoopback_RoundsAdvance()
    {
        var round8 = default(Task);
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 3, output, (_, _) => { });
        round8 = cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 8);

        await round8.WaitAsync(Bound);

        Assert.Contains(cluster.Observations, o => o.Observation.Kind == ObservationKind.TrainingSent);
    }
}
