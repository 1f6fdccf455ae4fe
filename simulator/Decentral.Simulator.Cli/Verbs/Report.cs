namespace Decentral.Simulator.Cli.Verbs;

/// <summary>How the verbs tell the user about bad input: one <c>error:</c> line per problem, exit 2.</summary>
internal static class Report
{
    public static int Errors(TextWriter error, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            error.WriteLine($"error: {problem}");
        }

        return Decentral.Cli.ExitCodes.BadInput;
    }
}
