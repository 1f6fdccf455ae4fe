using Decentral.Learning;
using Decentral.Node.Runtime.Runtime;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Tests.Runner;

/// <summary>A node given share k of N trains on exactly what simulated node k holds (same seed, alpha, task).</summary>
public sealed class NodeSplitTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0)]
    public void NodeShareK_OfTenNodes_TrainsExactlyLikeSimulatedNodeK(double alpha)
    {
        var scenario = new Scenario { Nodes = 10, Seed = 11, Learning = { Task = "synthetic", Alpha = alpha } };
        var simulated = ScenarioLearning.Create(scenario).Setup!;
        var start = new float[simulated.Task.ParameterCount];
        simulated.Task.InitialParameters(scenario.Seed, start);

        for (var k = 0; k < 10; k++)
        {
            var options = new NodeRuntimeOptions();
            options.Learning.Task = "synthetic";
            options.Learning.Partition.Index = k;
            options.Learning.Partition.Count = 10;
            options.Learning.Partition.Alpha = alpha;
            options.Learning.Partition.Seed = 11;
            var node = LearningFactory.Create(NodeLearning.Request(options)).Setup!;
            var nodeTrainer = node.TrainerFor(NodeLearning.TrainerIndex(options));
            var simTrainer = simulated.TrainerFor(k);
            var a = new float[start.Length];
            var b = new float[start.Length];

            nodeTrainer.Train(start, a, round: 3);
            simTrainer.Train(start, b, round: 3);

            Assert.Equal(simTrainer.LocalSamples, nodeTrainer.LocalSamples);
            Assert.Equal(b, a);
            var initial = new float[start.Length];
            node.Task.InitialParameters(options.Learning.Partition.Seed, initial);
            Assert.Equal(start, initial);
        }
    }
}
