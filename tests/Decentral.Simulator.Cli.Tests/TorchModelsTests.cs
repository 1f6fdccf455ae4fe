using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Tests;

public sealed class TorchModelsTests
{
    [Theory]
    [InlineData("modest", "exponential", 10)]
    [InlineData("fedavg", "exponential", 10)]
    [InlineData("epidemic", "exponential", 11)]
    [InlineData("gossip", "exponential", 2)]
    [InlineData("dpsgd", "exponential", 2)]
    [InlineData("dpsgd", "ring", 3)]
    [InlineData("dpsgd", "regular", 7)]
    public void ModelsAveragedPerStep_IsOwnPlusWhatTheAlgorithmMixesIn(string algorithm, string topology, int expected)
    {
        var scenario = new Scenario { Algorithm = algorithm };
        scenario.Protocol.SampleSize = 10;
        scenario.Baselines.Dpsgd.Topology = topology;
        scenario.Baselines.Dpsgd.Degree = 6;

        Assert.Equal(expected, TorchModels.ModelsAveragedPerStep(scenario));
    }
}
