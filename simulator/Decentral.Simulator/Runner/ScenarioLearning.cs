using Decentral.Learning;
using Decentral.Simulator.Attacks;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Runner;

/// <summary>The learning request of a scenario: one node slot per founder and joiner, the scenario's seed.</summary>
public static class ScenarioLearning
{
    /// <summary>Node slots of a scenario: founders plus every node a join event starts.</summary>
    public static int Slots(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Nodes + scenario.Churn.Where(c => c.Kind == ChurnKind.Join).Sum(c => c.Total ?? c.Count);
    }

    /// <summary>What <see cref="LearningFactory.Create"/> builds for <paramref name="scenario"/>.</summary>
    public static LearningRequest Request(Scenario scenario, string? dataRoot = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new LearningRequest(scenario.Learning, scenario.Seed, Slots(scenario))
        {
            UpdateScale = LearningRequest.ModelsAveragedPerStep(scenario.Algorithm, scenario.Protocol.SampleSize, scenario.Baselines.Dpsgd),
            DataRoot = dataRoot,
            FlippedLabelSlots = scenario.Attack.Kind == AttackKinds.LabelFlip ? ByzantineAttack.Attackers(scenario) : new HashSet<int>(),
        };
    }

    /// <summary>Builds the learning setup of <paramref name="scenario"/>.</summary>
    public static LearningBuild Create(Scenario scenario, string? dataRoot = null) => LearningFactory.Create(Request(scenario, dataRoot));
}
