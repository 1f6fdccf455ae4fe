using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;

namespace Decentral.Simulator.Tests.Network;

/// <summary>Records deliveries and failures with the simulated time they happened.</summary>
internal sealed class RecordingMessageHandler(Simulation simulation) : IMessageHandler
{
    public List<(long Time, SimMessage Message)> Delivered { get; } = [];

    public List<(long Time, SimMessage Message, DeliveryFailure Failure)> Failed { get; } = [];

    public void OnDelivered(in SimMessage message) => Delivered.Add((simulation.Now, message));

    public void OnFailed(in SimMessage message, DeliveryFailure failure) => Failed.Add((simulation.Now, message, failure));
}
