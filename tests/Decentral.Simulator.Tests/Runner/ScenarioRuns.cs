using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Tests.Runner;

/// <summary>Loads the repository's scenario files with the cheap synthetic task, and runs them.</summary>
internal static class ScenarioRuns
{
    public static string ConfigsFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "configs");
                if (File.Exists(Path.Combine(dir.FullName, "Decentral.sln")) && Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("configs/ not found above the test binaries.");
        }
    }

    /// <summary>The scenario from configs/, switched to the synthetic task so no data is needed.</summary>
    public static Scenario Load(string name)
    {
        var load = ScenarioLoader.LoadFile(Path.Combine(ConfigsFolder, name + ".json"));
        Assert.True(load.Ok, string.Join(Environment.NewLine, load.Errors));
        var scenario = load.Scenario!;
        scenario.Learning.Task = "synthetic";
        scenario.Learning.Model = "softmax";
        scenario.Learning.LearningRate = 0.1;
        return scenario;
    }

    public static (ModestRun Run, RunSummary Summary, string Telemetry) Execute(Scenario scenario)
    {
        var learning = ScenarioLearning.Create(scenario);
        Assert.True(learning.Ok, learning.Error);
        using var telemetry = new StringWriter();
        var run = new ModestRun(scenario, learning.Setup!, telemetry);
        var summary = run.Run();
        return (run, summary, telemetry.ToString());
    }
}
