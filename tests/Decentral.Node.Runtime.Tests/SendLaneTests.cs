using System.Collections.Concurrent;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Node.Runtime.Transport;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Tests;

/// <summary>A peer's send queue outlives a delivery that throws.</summary>
public sealed class SendLaneTests
{
    [Fact]
    public async Task DeliveryThrows_FaultReported_NextMessagesStillDelivered()
    {
        var peer = TestPeers.Peer(1);
        var delivered = new ConcurrentQueue<long>();
        var faults = new ConcurrentQueue<(ProtocolMessage Message, Exception Error)>();
        using var stopping = new CancellationTokenSource();
        var lane = new SendLane(peer, capacity: 8, (to, message, ct) =>
        {
            Assert.Equal(peer, to);
            var nonce = ((Ping)message).Nonce;
            if (nonce == 2)
            {
                throw new ObjectDisposedException("EncodedModel", "released before it was sent");
            }

            delivered.Enqueue(nonce);
            return Task.CompletedTask;
        }, (_, message, error) => faults.Enqueue((message, error)), stopping.Token);

        for (var nonce = 1; nonce <= 4; nonce++)
        {
            Assert.True(lane.TryEnqueue(new Ping(nonce, 0, 1)));
        }

        lane.Complete();
        await lane.Worker.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([1L, 3L, 4L], delivered);
        var (faulted, exception) = Assert.Single(faults);
        Assert.Equal(2, ((Ping)faulted).Nonce);
        Assert.IsType<ObjectDisposedException>(exception);
    }

    [Fact]
    public async Task Stopping_EndsTheDrain_WithoutAFault()
    {
        var faults = 0;
        using var stopping = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lane = new SendLane(TestPeers.Peer(1), capacity: 8, async (_, _, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, (_, _, _) => Interlocked.Increment(ref faults), stopping.Token);

        Assert.True(lane.TryEnqueue(new Ping(1, 0, 1)));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stopping.CancelAsync();
        await lane.Worker.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, faults);
        Assert.True(lane.Worker.IsCompletedSuccessfully);
    }
}
