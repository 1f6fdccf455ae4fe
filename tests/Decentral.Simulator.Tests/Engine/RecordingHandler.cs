using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Tests.Engine;

/// <summary>Records (time, arg) of every event it runs.</summary>
internal sealed class RecordingHandler : ISimEventHandler
{
    public List<(long Time, long Arg)> Fired { get; } = [];

    public void OnEvent(Simulation simulation, object? state, long arg) => Fired.Add((simulation.Now, arg));
}
