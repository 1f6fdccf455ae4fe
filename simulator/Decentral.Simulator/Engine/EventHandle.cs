namespace Decentral.Simulator.Engine;

/// <summary>
/// Refers to one scheduled event so it can be cancelled. Event slots are reused, so the handle
/// carries the slot's generation: a handle to an event that already ran or was cancelled never
/// touches the event that reuses the slot. <c>default</c> refers to no event.
/// </summary>
/// <param name="Slot">Index of the event slot.</param>
/// <param name="Generation">Generation of the slot when the event was scheduled (never 0).</param>
public readonly record struct EventHandle(int Slot, int Generation)
{
    /// <summary>True when this handle was returned by a schedule call (it may have run since).</summary>
    public bool IsAssigned => Generation != 0;
}

/// <summary>
/// Receives scheduled events. Implement it on a long-lived object (one per kind of event) and
/// pass per-event data through <c>state</c> and <c>arg</c>, so scheduling allocates nothing.
/// </summary>
public interface ISimEventHandler
{
    /// <summary>Runs the event at <see cref="Simulation.Now"/>.</summary>
    /// <param name="simulation">The simulation running the event.</param>
    /// <param name="state">The object given when scheduling.</param>
    /// <param name="arg">The integer given when scheduling (for example a node index).</param>
    void OnEvent(Simulation simulation, object? state, long arg);
}
