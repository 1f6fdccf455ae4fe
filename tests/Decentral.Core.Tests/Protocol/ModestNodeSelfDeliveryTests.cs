using Decentral.Core.Tests.TestKit;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestNodeSelfDeliveryTests
{
    [Fact]
    public void TrainingCompleted_SelfIsAggregator_DeliversLocallyAfterTheHandlerFinishes()
    {
        // sf = 0.2 of s = 5: the node's own model alone completes the round it aggregates.
        var options = NodeFixture.SmallOptions();
        options.SuccessFraction = 0.2;
        options.MinModels = 1;
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => next[0] == f.Self);

        f.Node.TrainingCompleted(k, NodeFixture.Model(4), 10);

        // Handled in order: the trainer finished (TrainingSent, Ack timer) before the aggregator saw the model.
        var kinds = f.Effects.Observations.Select(o => o.Kind).ToList();
        Assert.True(kinds.IndexOf(ObservationKind.TrainingSent) >= 0, "the trainer never sent");
        Assert.Empty(f.Effects.SentOf<TrainedModel>());
        Assert.Contains(new TimerKey(TimerKind.AckTimeout, k + 1), f.Effects.PendingTimers.Keys);
        Assert.Equal(k + 1, f.Node.AggregateEstimate);
        var timers = f.Effects.TimersSet.Select(t => t.Key.Kind).ToList();
        Assert.True(timers.IndexOf(TimerKind.AckTimeout) < timers.LastIndexOf(TimerKind.PingResend), "the aggregator ran inside the trainer's send");

        f.AnswerPings();

        Assert.True(kinds.IndexOf(ObservationKind.TrainingSent) < f.Effects.Observations.FindIndex(o => o.Kind == ObservationKind.Aggregated));
        Assert.DoesNotContain(f.Effects.Sent, s => s.To == f.Self);
        Assert.Empty(f.Effects.SentOf<Ack>());
        Assert.DoesNotContain(f.Effects.PendingTimers.Keys, t => t.Kind == TimerKind.AckTimeout);
        Assert.Equal(k + 1, f.Effects.TrainingStarts[^1].Round);
        Assert.All(f.Effects.TrainingStarts[^1].Start.Parameters, p => Assert.Equal(4f, p));
    }

    [Fact]
    public void TrainingCompleted_AfterLeave_SendsNothingToItself()
    {
        var options = NodeFixture.SmallOptions();
        options.SuccessFraction = 0.2;
        options.MinModels = 1;
        var f = new NodeFixture(options: options, chooseSelf: peers => TestPeers.OrderOf(peers, 1)[20]);
        var k = f.StartTraining(next => next[0] == f.Self);
        f.Node.Leave();

        f.Node.TrainingCompleted(k, NodeFixture.Model(4), 10);

        Assert.Equal(0, f.Node.AggregateEstimate);
        Assert.DoesNotContain(f.Effects.Observations, o => o.Kind == ObservationKind.TrainingSent);
    }
}
