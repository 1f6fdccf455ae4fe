using Decentral.Codecs;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Node.Runtime.Runtime;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Node.Runtime.Transport;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Tests;

public sealed class LeavingRefusalTests
{
    [Theory]
    [InlineData(SendStatus.Refused, "Refused: " + MessageTransport.LeavingReason, true)]
    [InlineData(SendStatus.Refused, "Refused: busy: the protocol's inbox is full", false)]
    [InlineData(SendStatus.Refused, null, false)]
    [InlineData(SendStatus.StreamFailed, "Refused: " + MessageTransport.LeavingReason, false)]
    public void RefusedAsLeaving_OnlyARefusalWithTheLeavingReason(SendStatus status, string? reason, bool expected)
    {
        Assert.Equal(expected, MessageTransport.RefusedAsLeaving(new SendOutcome(status, reason)));
    }

    // One message of every kind, and whether a node that left still takes it (its core acts on it while it flushes).
    public static TheoryData<MessageKind, bool> EveryKind() => new()
    {
        { MessageKind.Ping, false },
        { MessageKind.Pong, false },
        { MessageKind.TrainedModel, true },
        { MessageKind.AggregatedModel, true },
        { MessageKind.Ack, true },
        { MessageKind.Advert, false },
        { MessageKind.ViewRequest, false },
        { MessageKind.ViewSnapshot, false },
        { MessageKind.BaseRequest, false },
        { MessageKind.BaseReply, false },
    };

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void LeftNode_TakesOnlyTheMessagesItsCorePassesOn(MessageKind kind, bool takenAfterLeave)
    {
        var message = Sample(kind);
        Assert.Equal(kind, message.Kind);

        Assert.Equal(!takenAfterLeave, NodeRuntime.RefusesAsLeaving(NodePhase.Running, leaving: true, message));
        Assert.False(NodeRuntime.RefusesAsLeaving(NodePhase.Running, leaving: false, message));
        Assert.False(NodeRuntime.RefusesAsLeaving(NodePhase.Gathering, leaving: false, message));
        Assert.True(NodeRuntime.RefusesAsLeaving(NodePhase.Created, leaving: false, message));
        Assert.True(NodeRuntime.RefusesAsLeaving(NodePhase.Stopped, leaving: false, message));
        Assert.True(NodeRuntime.RefusesAsLeaving(NodePhase.Stopped, leaving: true, message));
    }

    [Fact]
    public void EveryMessageKind_IsCovered()
    {
        Assert.Equal(Enum.GetValues<MessageKind>().Order(), EveryKind().Select(row => (MessageKind)row[0]).Order());
    }

    private static ProtocolMessage Sample(MessageKind kind)
    {
        var model = new ModelVector("softmax-regression/d2/c2", [1f, 2f, 3f, 4f, 5f, 6f], samplesTrained: 10);
        var view = ViewUpdate.Empty(7);
        return kind switch
        {
            MessageKind.Ping => new Ping(1, 3, 1),
            MessageKind.Pong => new Pong(1, 3, 1, 3, 0),
            MessageKind.TrainedModel => new TrainedModel(4, model, 10, view),
            MessageKind.AggregatedModel => new AggregatedModel(3, model, view),
            MessageKind.Ack => new Ack(4, Success: false),
            MessageKind.Advert => new Advert(new PeerRecord(TestPeers.Peer(1), 3, 1, MembershipStatus.Leave)),
            MessageKind.ViewRequest => new ViewRequest(7),
            MessageKind.ViewSnapshot => new ViewSnapshot(view),
            MessageKind.BaseRequest => new BaseRequest(3, ModelHash.Of(model.Parameters)),
            MessageKind.BaseReply => new BaseReply(3, ModelHash.Of(model.Parameters), null),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "A kind this test does not make."),
        };
    }
}
