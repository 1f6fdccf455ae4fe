using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Telemetry.Tests;

public sealed class RoundRowTests
{
    // The line a simulator row has always been: the node fields must not change it by a byte.
    private const string SimulatorLine = """{"round":7,"time_s":12.5,"sample":[1,4],"aggregators":[3],"models":2,"online":10,"view_size":9,"view_overlay":1,"bytes":{"ping":5,"pong":0,"trained_model":300,"aggregated_model":0,"ack":0,"advert":0,"view_request":0,"view_snapshot":0,"base_request":0,"base_reply":0},"total_bytes":305,"view_bytes":40,"full_view_bytes":90,"accuracy":0.8125,"loss":0.5}""";

    [Fact]
    public void ToJson_SimulatorRow_WritesNoNodeFields()
    {
        Assert.Equal(SimulatorLine, SimulatorRow().ToJson());
    }

    [Fact]
    public void ToJson_NodeRow_WritesUnixTimeRoleAndPeerAfterTime()
    {
        var row = new RoundRow { Round = 3, TimeSeconds = 1.5, UnixSeconds = 1_800_000_000.25, Role = NodeRole.Trainer, Node = "12D3KooWabc", Sample = [-1, 2] };
        Assert.StartsWith("""{"round":3,"time_s":1.5,"unix_s":1800000000.25,"role":"trainer","node":"12D3KooWabc","sample":[-1,2],""", row.ToJson());
    }

    [Fact]
    public void TryParse_WrittenRows_RoundTripByteForByte()
    {
        var node = new RoundRow
        {
            Round = 9, TimeSeconds = 4, UnixSeconds = 1_800_000_004, Role = NodeRole.Aggregator, Node = "12D3KooWxyz",
            Aggregators = [0], ModelsAggregated = 3, Evaluation = new Evaluation(0.9, 0.3, double.NaN, 10),
        };
        var trainer = new RoundRow { Round = 9, Role = NodeRole.Trainer, Evaluation = new Evaluation(double.NaN, 1.25, double.NaN, 0) };
        var defended = new RoundRow { Round = 4 };
        defended.Rejected[(int)Aggregation.RejectionReason.Norm] = 2;
        defended.Rejected[(int)Aggregation.RejectionReason.RoundAhead] = 1;
        Assert.Contains("\"rejected\":{\"norm\":2,\"round_ahead\":1}", defended.ToJson(), StringComparison.Ordinal);
        var checkedRow = new RoundRow { Round = 5 };
        checkedRow.Checks[RoundRow.CheckIndex(ObservationKind.AggregatorRestarted)!.Value] = 2;
        checkedRow.Checks[RoundRow.CheckIndex(ObservationKind.TrainerNotSampled)!.Value] = 1;
        Assert.Contains("\"checks\":{\"aggregator_restarted\":2,\"trainer_not_sampled\":1}", checkedRow.ToJson(), StringComparison.Ordinal);
        foreach (var line in new[] { SimulatorLine, node.ToJson(), trainer.ToJson(), defended.ToJson(), checkedRow.ToJson() })
        {
            Assert.True(RoundRow.TryParse(line, out var parsed));
            Assert.Equal(line, parsed.ToJson());
        }
    }

    [Fact]
    public void ToJson_NodeRowWithTimings_WritesMeasuredPhasesAfterPeerOnly()
    {
        var row = new RoundRow
        {
            Round = 5, Role = NodeRole.Trainer, Node = "12D3KooWabc",
            Timings = new RoundTimings { QueueSeconds = 0.0005, TrainSeconds = 0.25, EncodeSeconds = 0.001234567, SearchSeconds = 0 },
        };

        var json = row.ToJson();

        Assert.Contains("\"node\":\"12D3KooWabc\",\"queue_s\":0.0005,\"train_s\":0.25,\"encode_s\":0.001235,\"search_s\":0,\"sample\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("wait_s", json, StringComparison.Ordinal);
        Assert.DoesNotContain("aggregate_s", json, StringComparison.Ordinal);
        Assert.True(RoundRow.TryParse(json, out var parsed));
        Assert.Equal(row.Timings with { EncodeSeconds = 0.001235 }, parsed.Timings);
        Assert.Equal(json, parsed.ToJson());
    }

    [Fact]
    public void TryParse_RowWithoutTimings_HasNoTimings()
    {
        Assert.True(RoundRow.TryParse(SimulatorLine, out var row));
        Assert.Null(row.Timings);
        Assert.True(RoundRow.TryParse("""{"round":2,"role":"aggregator","wait_s":1.5}""", out var aggregator));
        Assert.Equal(new RoundTimings { WaitSeconds = 1.5 }, aggregator.Timings);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"round\":")]
    [InlineData("[1,2]")]
    [InlineData("{\"time_s\":1}")]
    [InlineData("{\"round\":\"2\"}")]
    public void TryParse_NotARow_IsFalse(string line)
    {
        Assert.False(RoundRow.TryParse(line, out var row));
        Assert.Null(row);
    }

    [Fact]
    public void TryParse_UnknownFieldsAndKinds_AreIgnored()
    {
        Assert.True(RoundRow.TryParse("""{"round":2,"future":{"x":1},"bytes":{"ping":4,"teleport":9}}""", out var row));
        Assert.Equal(4, row.BytesOf("ping"));
        Assert.Equal(4, row.BytesByKind.Sum());
        Assert.Null(row.Role);
    }

    [Fact]
    public void NodeStatus_Written_ReadsBack()
    {
        var status = new NodeStatus
        {
            PeerId = "12D3KooWq", Session = "2", Slot = 4, Listen = ["/ip4/0.0.0.0/tcp/4001"], Announce = ["/ip4/10.0.0.2/tcp/4001"],
            StartedUnixSeconds = 1_800_000_000.5, UpdatedUnixSeconds = 1_800_000_010, State = "running", Pid = 77,
        };
        Assert.True(NodeStatus.TryParse(status.ToJson(), out var read));
        Assert.Equal(status.ToJson(), read.ToJson());
        Assert.False(read.Stopped);
        Assert.True(NodeStatus.TryParse("""{"peer_id":"p","session":3,"state":"stopped"}""", out var numeric));
        Assert.Equal("3", numeric.Session);
        Assert.True(numeric.Stopped);
        Assert.Equal(-1, numeric.Slot);
        Assert.False(NodeStatus.TryParse("""{"peer_id":"p","session":3""", out _));
    }

    private static RoundRow SimulatorRow()
    {
        var row = new RoundRow
        {
            Round = 7, TimeSeconds = 12.5, Sample = [1, 4], Aggregators = [3], ModelsAggregated = 2, OnlineNodes = 10,
            ViewSize = 9, ViewOverlay = 1, TotalBytes = 305, ViewBytes = 40, FullViewBytes = 90,
            Evaluation = new Evaluation(0.8125, 0.5, double.NaN, 100),
        };
        row.BytesByKind[(int)MessageKind.Ping] = 5;
        row.BytesByKind[(int)MessageKind.TrainedModel] = 300;
        return row;
    }

    [Fact]
    public void EventLedger_ChecksAndRejections_EachRowTakesTheCountsSinceThePreviousOne()
    {
        var ledger = new EventLedger();
        ledger.Observed(new ProtocolObservation(ObservationKind.TrainersSilent, 4, Count: 3));
        ledger.Observed(new ProtocolObservation(ObservationKind.AggregatorRestarted, 4));
        ledger.Observed(new ProtocolObservation(ObservationKind.Aggregated, 4, Count: 5));
        ledger.Rejected(Aggregation.RejectionReason.Norm);
        var first = new RoundRow { Round = 4 };
        ledger.FillRow(first);
        ledger.Observed(new ProtocolObservation(ObservationKind.AggregatorRestarted, 5));
        var second = new RoundRow { Round = 5 };
        ledger.FillRow(second);

        Assert.Equal([0L, 1, 3, 0, 0], first.Checks);
        Assert.Equal(1, first.Rejected[(int)Aggregation.RejectionReason.Norm]);
        Assert.Equal([0L, 1, 0, 0, 0], second.Checks);
        Assert.All(second.Rejected, r => Assert.Equal(0, r));
        Assert.Equal(1, ledger.Totals[Aggregation.RejectionReason.Norm]);
        Assert.Equal(["aggregator_silent", "aggregator_restarted", "trainers_silent", "trainer_not_sampled", "trainer_sent_elsewhere"], RoundRow.CheckNames);
    }
}
