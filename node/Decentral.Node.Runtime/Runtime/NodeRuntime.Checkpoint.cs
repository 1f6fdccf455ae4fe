using Decentral.Node.Runtime.State;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Runtime;

/// <content>Checkpoints: requested by the loop, snapshotted on it, written off it.</content>
public sealed partial class NodeRuntime
{
    private long _checkpointRequested;
    private long _checkpointWritten;
    private Task _checkpointWrite = Task.CompletedTask;

    /// <summary>Tests (read on the loop): the checkpoint write in flight, or the last one.</summary>
    internal Task CheckpointWrite => _checkpointWrite;

    private void RequestCheckpoint() => _checkpointRequested++;

    // At most one write in flight; the snapshot is taken on the loop, written off it.
    private void MaybeWriteCheckpoint()
    {
        if (_node is null || _checkpointRequested == _checkpointWritten || !_checkpointWrite.IsCompleted)
        {
            return;
        }

        _checkpointWritten = _checkpointRequested;
        var checkpoint = Snapshot();
        _checkpointWrite = Task.Run(() => _checkpoints!.Save(checkpoint));
    }

    private Checkpoint Snapshot()
    {
        var node = _node!;
        return new Checkpoint(_identity!.PeerId, _options.Node.Session, _time.GetUtcNow(), MembershipIndexOf(node), RoundOf(node),
            _latestModel is null ? 0 : _latestModelRound, _latestModel, [.. node.View.Records()])
        {
            Founders = _founders,
            Reference = (node as ModestNode)?.Reference,
        };
    }

    private async Task SaveCheckpointNowAsync(CancellationToken cancellationToken)
    {
        var taken = new TaskCompletionSource<Checkpoint?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_loop.Post(new LoopAction("checkpoint", () => taken.TrySetResult(_node is null ? null : Snapshot()))))
        {
            return;
        }

        var checkpoint = await taken.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _checkpointWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (checkpoint is not null)
        {
            _checkpoints!.Save(checkpoint);
        }
    }
}
