namespace Decentral.Simulator.Cli.Verbs;

/// <summary>How the verbs tell the user about bad input: one <c>error:</c> line per problem (exit 2), one <c>warning:</c> line per likely mistake.</summary>
internal static class Report
{
    /// <summary>The errors of a scenario that did not load, then its warnings; returns the exit code.</summary>
    public static int Errors(TextWriter error, Scenarios.ScenarioLoad load)
    {
        var code = Errors(error, load.Errors);
        Warnings(error, load.Warnings);
        return code;
    }

    public static int Errors(TextWriter error, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            error.WriteLine($"error: {problem}");
        }

        return Decentral.Cli.ExitCodes.BadInput;
    }

    public static void Warnings(TextWriter error, IEnumerable<string>? warnings)
    {
        foreach (var warning in warnings ?? [])
        {
            error.WriteLine($"warning: {warning}");
        }
    }
}
