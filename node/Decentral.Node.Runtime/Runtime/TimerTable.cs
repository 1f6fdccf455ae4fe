using Decentral.Protocol;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>
/// The protocol's timers on the injected <see cref="TimeProvider"/>. Setting a key replaces its
/// timer; each timer carries a generation, and a firing is live only while its generation is
/// the key's current one, so a timer cancelled or replaced just as it fired is ignored.
/// Set and Cancel run on the event loop; firings post events to it.
/// </summary>
internal sealed class TimerTable : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<TimerKey, long> _fire;
    private readonly Dictionary<TimerKey, (ITimer Timer, long Generation)> _timers = [];
    private long _generation;

    public TimerTable(TimeProvider time, Action<TimerKey, long> fire)
    {
        _time = time;
        _fire = fire;
    }

    public int Count => _timers.Count;

    public void Set(TimerKey key, TimeSpan delay)
    {
        Cancel(key);
        var generation = ++_generation;
        var timer = _time.CreateTimer(_ => _fire(key, generation), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        _timers[key] = (timer, generation);
    }

    public void Cancel(TimerKey key)
    {
        if (_timers.Remove(key, out var entry))
        {
            entry.Timer.Dispose();
        }
    }

    /// <summary>True when the firing is live (then the timer is gone from the table).</summary>
    public bool TryTake(TimerKey key, long generation)
    {
        if (_timers.TryGetValue(key, out var entry) && entry.Generation == generation)
        {
            _timers.Remove(key);
            entry.Timer.Dispose();
            return true;
        }

        return false;
    }

    public void Dispose()
    {
        foreach (var (timer, _) in _timers.Values)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }
}
