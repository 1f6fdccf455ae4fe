using System.CommandLine;
using System.Text.Json;
using Decentral.Cli;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary><c>validate SCENARIO</c>: checks a scenario (with the same overrides as run) and prints the effective settings and the warnings.</summary>
internal static class ValidateVerb
{
    public static Command Create()
    {
        var scenario = new ScenarioArguments(required: true);
        var command = new Command("validate", "Check a scenario and print the effective settings (every field, defaults filled in) as JSON on stdout; every error and warning on stderr.");
        scenario.AddTo(command);
        command.SetAction(result =>
        {
            var (name, overrides) = scenario.Bind(result);
            var load = ScenarioSource.Load(name, adjust: overrides.Apply);
            if (!load.Ok)
            {
                return Report.Errors(result.InvocationConfiguration.Error, load);
            }

            Report.Warnings(result.InvocationConfiguration.Error, load.Warnings);

            result.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(load.Scenario, ScenarioLoader.JsonOptions));
            return ExitCodes.Ok;
        });
        return command;
    }
}
