using System.Text.Json;
using Decentral.Cli;
using Decentral.Simulator.Cli.Reproduction;
using Decentral.Simulator.Cli.Verbs;
using Decentral.Simulator.Scenarios;
using Decentral.Tests.Shared;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>Every scenario the project ships is valid, draws no warning, and validate prints its effective settings.</summary>
public sealed class ShippedScenarioTests
{
    // configs/node*.json configure decentral-node (tested with the node), the rest are scenarios.
    private static string[] Files => [.. Directory.GetFiles(Repository.Configs, "*.json")
        .Where(f => !Path.GetFileName(f).StartsWith("node", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)];

    public static TheoryData<string> ConfigFiles => [.. Files];

    [Fact]
    public void ConfigFolder_HoldsTheEmbeddedScenarios() =>
        Assert.Equal(ScenarioSource.EmbeddedNames, Files.Select(Path.GetFileNameWithoutExtension));

    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public async Task Validate_ShippedScenario_ExitZeroNoWarningEffectiveSettings(string file)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await CommandLineRunner.InvokeAsync(SimulatorCommandLine.Create(), ["validate", file], output, error);

        Assert.Equal("", error.ToString());
        Assert.Equal(ExitCodes.Ok, code);
        var effective = JsonSerializer.Deserialize<Scenario>(output.ToString(), ScenarioLoader.JsonOptions)!;
        Assert.Equal(Path.GetFileNameWithoutExtension(file), effective.Name);
        Assert.True(ScenarioLoader.Parse(output.ToString()).Ok, "the printed settings load back");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReproductionPlan_EveryExperiment_PassesTheRules(bool quick)
    {
        foreach (var experiment in ReproductionPlan.Create(quick, seeds: 1))
        {
            Assert.Empty(ScenarioLoader.Check(experiment.Scenario).Errors);
        }
    }
}
