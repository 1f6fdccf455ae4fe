namespace Decentral.Simulator.Engine;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock is the simulation clock, so code written against
/// <see cref="TimeProvider"/> (timers, delays and CancelAfter that take a provider) runs on
/// virtual time. Wall-clock time is <see cref="Epoch"/> plus the simulated time; timestamps are
/// simulation ticks (frequency 1 MHz). Timers are events in the simulation's queue: their
/// callbacks run synchronously inside the simulation loop, on its thread, never early.
/// </summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    /// <summary>The default wall-clock time of simulated tick 0: 2025-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultEpoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Simulation _simulation;

    /// <summary>Creates a provider over <paramref name="simulation"/>'s clock.</summary>
    public VirtualTimeProvider(Simulation simulation, DateTimeOffset? epoch = null)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        _simulation = simulation;
        Epoch = epoch ?? DefaultEpoch;
    }

    /// <summary>Wall-clock time at simulated tick 0.</summary>
    public DateTimeOffset Epoch { get; }

    /// <summary>The simulation whose clock this is.</summary>
    public Simulation Simulation => _simulation;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Epoch + SimTime.ToTimeSpan(_simulation.Now);

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => SimTime.PerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() => _simulation.Now;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(_simulation, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// A timer backed by one pending event. Change cancels that event and schedules a new one;
    /// periodic timers schedule their next firing before running the callback, so a callback
    /// that calls Change or Dispose wins over the period.
    /// </summary>
    private sealed class VirtualTimer : ITimer, ISimEventHandler
    {
        private readonly Simulation _simulation;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private EventHandle _pending;
        private long _periodTicks;
        private bool _disposed;

        public VirtualTimer(Simulation simulation, TimerCallback callback, object? state)
        {
            _simulation = simulation;
            _callback = callback;
            _state = state;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            ValidateDuration(dueTime, nameof(dueTime));
            ValidateDuration(period, nameof(period));
            _simulation.Cancel(_pending);
            _pending = default;
            _periodTicks = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? 0 : Math.Max(1, SimTime.FromTimeSpan(period));
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _pending = _simulation.ScheduleAfter(SimTime.FromTimeSpan(dueTime), this);
            }

            return true;
        }

        public void OnEvent(Simulation simulation, object? state, long arg)
        {
            _pending = _periodTicks > 0 ? simulation.ScheduleAfter(_periodTicks, this) : default;
            _callback(_state);
        }

        public void Dispose()
        {
            _disposed = true;
            _simulation.Cancel(_pending);
            _pending = default;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private static void ValidateDuration(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(name, value, "Timer durations must be non-negative or infinite.");
            }
        }
    }
}
