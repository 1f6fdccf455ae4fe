using Decentral.Node.Runtime.Transport;

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
}
