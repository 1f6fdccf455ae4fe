using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Churn;

/// <summary>
/// A list of churn events built from scenario steps and generators. Events keep the order they
/// were added among equal times, so a schedule always replays the same way.
/// </summary>
public sealed class ChurnSchedule
{
    private readonly List<ChurnEvent> _events = [];

    /// <summary>The events sorted by time, ties in the order added.</summary>
    public IReadOnlyList<ChurnEvent> Events => _events.Select((e, i) => (e, i)).OrderBy(p => p.e.Time).ThenBy(p => p.i).Select(p => p.e).ToList();

    /// <summary>Number of events.</summary>
    public int Count => _events.Count;

    /// <summary>Adds any event.</summary>
    public ChurnSchedule Add(ChurnEvent churnEvent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(churnEvent.Time);
        if (churnEvent.Kind is ChurnKind.Crash or ChurnKind.Leave or ChurnKind.Join)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(churnEvent.Node);
        }
        else if (churnEvent.Kind == ChurnKind.Partition && churnEvent.Groups is null)
        {
            throw new ArgumentException("A partition needs the group of each node.", nameof(churnEvent));
        }

        _events.Add(churnEvent);
        return this;
    }

    /// <summary>Node crashes (no notice) at <paramref name="at"/>.</summary>
    public ChurnSchedule Crash(TimeSpan at, int node) => Add(new(SimTime.FromTimeSpan(at), ChurnKind.Crash, node));

    /// <summary>Node leaves gracefully at <paramref name="at"/>.</summary>
    public ChurnSchedule Leave(TimeSpan at, int node) => Add(new(SimTime.FromTimeSpan(at), ChurnKind.Leave, node));

    /// <summary>Node joins at <paramref name="at"/>.</summary>
    public ChurnSchedule Join(TimeSpan at, int node) => Add(new(SimTime.FromTimeSpan(at), ChurnKind.Join, node));

    /// <summary>Partitions the network at <paramref name="at"/>; <paramref name="groups"/>[i] is node i's group.</summary>
    public ChurnSchedule Partition(TimeSpan at, IReadOnlyList<int> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return Add(new(SimTime.FromTimeSpan(at), ChurnKind.Partition, -1, groups.ToArray()));
    }

    /// <summary>Heals all partitions at <paramref name="at"/>.</summary>
    public ChurnSchedule Heal(TimeSpan at) => Add(new(SimTime.FromTimeSpan(at), ChurnKind.Heal, -1));

    /// <summary>
    /// Crash batches as in the MoDeST crash experiment: from <paramref name="start"/>, every
    /// <paramref name="interval"/>, <paramref name="perBatch"/> nodes drawn (seeded, without
    /// replacement) from <paramref name="candidates"/> crash, until <paramref name="total"/> are gone.
    /// </summary>
    public ChurnSchedule CrashBatches(TimeSpan start, TimeSpan interval, int perBatch, int total, IReadOnlyList<int> candidates, int seed)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfLessThan(perBatch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, candidates.Count);
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval must be positive.");
        }

        int[] order = candidates.ToArray();
        new Random(seed).Shuffle(order);
        for (int done = 0, batch = 0; done < total; batch++)
        {
            var at = start + (interval * batch);
            for (int k = 0; k < perBatch && done < total; k++, done++)
            {
                Crash(at, order[done]);
            }
        }

        return this;
    }

    /// <summary>Joins <paramref name="nodes"/> one after another, one every <paramref name="interval"/> from <paramref name="start"/>.</summary>
    public ChurnSchedule JoinEvery(TimeSpan start, TimeSpan interval, IReadOnlyList<int> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        for (int i = 0; i < nodes.Count; i++)
        {
            Join(start + (interval * i), nodes[i]);
        }

        return this;
    }
}

/// <summary>Schedules the events of a <see cref="ChurnSchedule"/> into a simulation.</summary>
public sealed class ChurnDriver : ISimEventHandler
{
    private readonly IChurnHandler _handler;
    private readonly IReadOnlyList<ChurnEvent> _events;

    private ChurnDriver(IReadOnlyList<ChurnEvent> events, IChurnHandler handler)
    {
        _events = events;
        _handler = handler;
    }

    /// <summary>Schedules every event of <paramref name="schedule"/>; each reaches <paramref name="handler"/> at its time.</summary>
    public static ChurnDriver Start(Simulation simulation, ChurnSchedule schedule, IChurnHandler handler)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(handler);
        var driver = new ChurnDriver(schedule.Events, handler);
        for (int i = 0; i < driver._events.Count; i++)
        {
            simulation.ScheduleAt(Math.Max(simulation.Now, driver._events[i].Time), driver, null, i);
        }

        return driver;
    }

    /// <inheritdoc />
    public void OnEvent(Simulation simulation, object? state, long arg)
    {
        var churnEvent = _events[(int)arg];
        _handler.OnChurn(in churnEvent);
    }
}
