using Decentral.Membership;

namespace Decentral.Node.Runtime.Runtime;

/// <content>Stopping: a graceful leave (LEAVE advert, last checkpoint), the shutdown that closes everything, and a crash for tests.</content>
public sealed partial class NodeRuntime
{
    /// <summary>
    /// Stops as a crash would (tests): no LEAVE, no last checkpoint; connections just close.
    /// The checkpoint on disk is whatever the last per-round write left.
    /// </summary>
    internal async Task CrashAsync()
    {
        if (Phase is NodePhase.Created or NodePhase.Stopped || Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _checkpointWrite.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await ShutdownAsync().ConfigureAwait(false);
    }

    private async Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (_loopTask is null || _loopTask.IsCompleted)
        {
            return;
        }

        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Post(new LoopAction("leave", () =>
        {
            if (_node is not null && Phase == NodePhase.Running)
            {
                _node.Leave();
                _leaving = true;
            }

            left.TrySetResult();
        }));
        await left.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        PublishAnnouncement(MembershipStatus.Leave);

        // Give the LEAVE advert and announcement a moment to leave the node before the links close.
        var flush = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, _options.Node.ShutdownTimeout.Ticks / 4));
        await Task.Delay(flush, _time, cancellationToken).ConfigureAwait(false);
        await SaveCheckpointNowAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ShutdownAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _loop.Complete();
        if (_loopTask is not null)
        {
            await _loopTask.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        await Task.WhenAll(_background.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        Phase = NodePhase.Stopped;
        WriteStatus("stopped");
        await CloseAsync().ConfigureAwait(false);
    }

    private async Task CloseAsync()
    {
        _timers?.Dispose();
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }

        if (_gossip is not null)
        {
            await _gossip.DisposeAsync().ConfigureAwait(false);
        }

        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }

        _connector?.Dispose();
        _telemetry?.Dispose();
        (_learning?.Task as IDisposable)?.Dispose();
        _identity?.Dispose();
        _lock?.Dispose();
    }
}
