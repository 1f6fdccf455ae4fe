namespace Decentral.Simulator.Engine;

/// <summary>Why a run loop returned.</summary>
public enum RunOutcome
{
    /// <summary>No events were left.</summary>
    QueueEmpty,

    /// <summary>The time limit was reached; the clock now stands at the limit.</summary>
    TimeReached,

    /// <summary>An event called <see cref="Simulation.Stop"/>.</summary>
    Stopped,

    /// <summary>The caller's keep-going condition became false.</summary>
    ConditionMet,

    /// <summary>The event budget of the call was used up.</summary>
    EventLimitReached,
}

/// <summary>Options of a <see cref="Simulation"/>.</summary>
public sealed class SimulationOptions
{
    /// <summary>log2 of the timing wheel size in ticks; default 20 (about 1 s). Range 6..24.</summary>
    public int WheelBits { get; init; } = 20;

    /// <summary>Initial number of event slots (they grow on demand); default 1024.</summary>
    public int InitialEventCapacity { get; init; } = 1024;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WheelBits, 6, nameof(WheelBits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(WheelBits, 24, nameof(WheelBits));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialEventCapacity, 1, nameof(InitialEventCapacity));
    }
}

/// <summary>
/// The discrete-event loop: a clock in integer ticks (<see cref="SimTime"/>) and a queue of
/// events run one at a time in (time, scheduling order). Handlers run synchronously inside the
/// run calls and may schedule or cancel further events. Single-threaded by design: the same
/// schedule calls in the same order always give the same run.
/// </summary>
public sealed class Simulation
{
    private readonly EventQueue _queue;
    private bool _stopRequested;

    /// <summary>Creates a simulation at time 0.</summary>
    public Simulation(SimulationOptions? options = null)
    {
        options ??= new SimulationOptions();
        options.Validate();
        _queue = new EventQueue(options.WheelBits, options.InitialEventCapacity);
    }

    /// <summary>Current simulated time in ticks.</summary>
    public long Now => _queue.Now;

    /// <summary>Events run so far.</summary>
    public long EventsProcessed { get; private set; }

    /// <summary>Events scheduled and not yet run or cancelled.</summary>
    public int PendingEvents => _queue.Count;

    /// <summary>Schedules <paramref name="handler"/> at absolute time <paramref name="time"/> (not before <see cref="Now"/>).</summary>
    public EventHandle ScheduleAt(long time, ISimEventHandler handler, object? state = null, long arg = 0) =>
        _queue.Enqueue(time, handler, state, arg);

    /// <summary>Schedules <paramref name="handler"/> <paramref name="delay"/> ticks from now.</summary>
    public EventHandle ScheduleAfter(long delay, ISimEventHandler handler, object? state = null, long arg = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delay);
        return _queue.Enqueue(checked(Now + delay), handler, state, arg);
    }

    /// <summary>Schedules an action at an absolute time (convenient; the delegate is the only allocation).</summary>
    public EventHandle ScheduleAt(long time, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return _queue.Enqueue(time, ActionHandler.Instance, action, 0);
    }

    /// <summary>Schedules an action after a delay in ticks.</summary>
    public EventHandle ScheduleAfter(long delay, Action action)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delay);
        return ScheduleAt(checked(Now + delay), action);
    }

    /// <summary>Cancels a pending event; false when it already ran or was cancelled.</summary>
    public bool Cancel(EventHandle handle) => _queue.Cancel(handle);

    /// <summary>True while the event is scheduled and not cancelled.</summary>
    public bool IsPending(EventHandle handle) => _queue.IsPending(handle);

    /// <summary>Time of the next pending event, if any.</summary>
    public bool TryPeekNextTime(out long time) => _queue.TryPeekTime(out time);

    /// <summary>Asks the running loop to return after the current event.</summary>
    public void Stop() => _stopRequested = true;

    /// <summary>Runs the next event; false when there is none.</summary>
    public bool Step() => StepUntil(long.MaxValue);

    private bool StepUntil(long maxTime)
    {
        if (!_queue.TryDequeue(maxTime, out var next))
        {
            return false;
        }

        EventsProcessed++;
        next.Handler.OnEvent(this, next.State, next.Arg);
        return true;
    }

    /// <summary>Runs until no events remain or <see cref="Stop"/> is called.</summary>
    public RunOutcome Run() => RunCore(long.MaxValue, null, long.MaxValue);

    /// <summary>
    /// Runs every event due at or before <paramref name="time"/>, then moves the clock to
    /// <paramref name="time"/> (unless stopped earlier).
    /// </summary>
    public RunOutcome RunUntil(long time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(time, Now);
        return RunCore(time, null, long.MaxValue);
    }

    /// <summary>
    /// Runs events while <paramref name="keepGoing"/> is true (checked before each event; returns
    /// <see cref="RunOutcome.ConditionMet"/> once it is false), until the queue empties,
    /// <paramref name="maxTime"/> passes or <paramref name="maxEvents"/> have run.
    /// </summary>
    public RunOutcome RunWhile(Func<bool> keepGoing, long maxTime = long.MaxValue, long maxEvents = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(keepGoing);
        return RunCore(maxTime, () => !keepGoing(), maxEvents);
    }

    /// <summary>Runs at most <paramref name="maxEvents"/> events.</summary>
    public RunOutcome RunEvents(long maxEvents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxEvents);
        return RunCore(long.MaxValue, null, maxEvents);
    }

    private RunOutcome RunCore(long maxTime, Func<bool>? done, long maxEvents)
    {
        _stopRequested = false;
        long budget = maxEvents;
        while (true)
        {
            if (done is not null && done())
            {
                return RunOutcome.ConditionMet;
            }

            if (budget-- <= 0)
            {
                return RunOutcome.EventLimitReached;
            }

            if (!StepUntil(maxTime))
            {
                if (maxTime == long.MaxValue)
                {
                    return RunOutcome.QueueEmpty;
                }

                _queue.AdvanceTo(maxTime);
                return RunOutcome.TimeReached;
            }

            if (_stopRequested)
            {
                _stopRequested = false;
                return RunOutcome.Stopped;
            }
        }
    }

    private sealed class ActionHandler : ISimEventHandler
    {
        public static readonly ActionHandler Instance = new();

        public void OnEvent(Simulation simulation, object? state, long arg) => ((Action)state!).Invoke();
    }
}
