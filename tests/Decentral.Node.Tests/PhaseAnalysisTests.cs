using Decentral.Soak;
using Decentral.Soak.Faults;
using Decentral.Telemetry;

namespace Decentral.Node.Tests;

/// <summary>The fault runs' numbers: rounds per phase and the recovery after a heal, the same for node and simulator telemetry.</summary>
public sealed class PhaseAnalysisTests
{
    private static readonly HashSet<int> Both = [0, 1];
    private static readonly HashSet<int> Even = [0];

    [Fact]
    public void Phases_RoundsAggregatedTwice_CountedOnceAtTheFirstAndByEachGroup()
    {
        AggregateEvent[] aggregations =
        [
            new(1, 10, 0, Both), new(2, 20, 1, Both), new(2, 25, 0, Even), new(3, 70, 0, Even),
        ];

        var phases = PhaseAnalysis.Phases(aggregations, [new Phase("calm", 0, 60), new Phase("partition", 60, 120)]);

        Assert.Equal(2, phases[0].Rounds);
        Assert.Equal((2, 1), phases[0].RoundsByGroup);
        Assert.Equal(2, phases[0].CrossRounds);
        Assert.Equal(40, phases[0].LongestGap);
        Assert.Equal(2, phases[0].PerMinute);
        Assert.Equal(1, phases[1].Rounds);
        Assert.Equal(50, phases[1].LongestGap);
        Assert.Equal(0, phases[1].CrossRounds);
    }

    [Fact]
    public void Recovery_FirstRoundOfBothHalvesAfterTheHeal_SecondsSinceTheHeal()
    {
        AggregateEvent[] aggregations = [new(5, 90, 0, Both), new(6, 130, 0, Even), new(7, 142.5, 1, Both), new(8, 150, 1, Both)];

        Assert.Equal(22.5, PhaseAnalysis.Recovery(aggregations, healedAt: 120));
        Assert.Null(PhaseAnalysis.Recovery(aggregations, healedAt: 151));
    }

    [Fact]
    public void FromNodes_TrainerRowsOutsideTheWindow_NotTheRoundsTrainers()
    {
        // Node 1 (odd half) trained a round 3 of its own long before node 0's round 3.
        IReadOnlyList<RoundRow>[] rows =
        [
            [Row(3, NodeRole.Trainer, 1000), Row(3, NodeRole.Aggregator, 1010)],
            [Row(3, NodeRole.Trainer, 900)],
        ];

        var aggregation = Assert.Single(PhaseAnalysis.FromNodes(rows, began: 1000, window: 30));

        Assert.Equal(10, aggregation.Seconds);
        Assert.Equal(0, aggregation.AggregatorGroup);
        Assert.Equal(Even, aggregation.TrainerGroups);
    }

    [Fact]
    public void FromSimulator_Rows_GroupsAreSlotsModTwo()
    {
        var row = new RoundRow { Round = 4, TimeSeconds = 12, Sample = [2, 4, 7], Aggregators = [3] };

        var aggregation = Assert.Single(PhaseAnalysis.FromSimulator([row], offset: 2));

        Assert.Equal(10, aggregation.Seconds);
        Assert.Equal(1, aggregation.AggregatorGroup);
        Assert.Equal(Both, aggregation.TrainerGroups);
    }

    [Theory]
    [InlineData("Unhandled exception. System.InvalidOperationException: x", LogProblem.Unhandled)]
    [InlineData("10:00:00 crit: Decentral.Node[1] the core failed", LogProblem.Critical)]
    [InlineData("   at Decentral.Protocol.ModestNode.Receive(PeerId from)", LogProblem.StackTrace)]
    [InlineData("10:00:00 fail: Decentral.Node[2] checkpoint write failed", LogProblem.Error)]
    [InlineData("10:00:00 warn: Decentral.Libp2p[3] refused a connection: at the limit", LogProblem.None)]
    public void LogScan_Line_ClassifiedByItsWorstSign(string line, LogProblem expected) => Assert.Equal(expected, LogScan.Classify(line));

    private static RoundRow Row(long round, NodeRole role, double unix) => new() { Round = round, Role = role, UnixSeconds = unix };
}
