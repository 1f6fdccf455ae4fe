namespace Decentral.Tests.Shared;

/// <summary>
/// A thread-safe append-only log with waiters: a test arms a condition over the log and is
/// woken when an append (or <see cref="Pulse"/>) makes it true, or fails after a bounded
/// timeout. No polling, no sleeping.
/// </summary>
internal sealed class EventLog<T>
{
    private readonly List<T> _items = [];
    private readonly List<(Func<IReadOnlyList<T>, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<T> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
        }

        Pulse();
    }

    /// <summary>Re-evaluates the waiters (for conditions that also depend on state outside the log).</summary>
    public void Pulse()
    {
        lock (_items)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_items))
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public async Task WaitAsync(Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_items)
        {
            if (condition(_items))
            {
                return;
            }

            _waiters.Add((condition, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for: {what}. Log has {Snapshot().Count} entries.");
        }
    }

    /// <summary>The first item (past or future) matching <paramref name="match"/>, within a bounded wait.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan? timeout = null)
    {
        await WaitAsync(items => items.Any(match), timeout ?? TimeSpan.FromSeconds(60), "a matching event");
        return Snapshot().First(match);
    }
}
