namespace Decentral.Cli;

/// <summary>
/// The exit codes of every Decentral executable (decentral-node, decentral-sim), the same for
/// every verb. README.md lists them; <see cref="CommandLineRunner"/> appends them to every help page.
/// </summary>
public static class ExitCodes
{
    /// <summary>The work was done (also: help was shown, a run was stopped by Ctrl+C or SIGTERM).</summary>
    public const int Ok = 0;

    /// <summary>The input was fine but the work failed at run time (a port in use, a run that aggregated nothing).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: an unknown verb or option, a bad value, an invalid file, an unusable folder.</summary>
    public const int BadInput = 2;

    /// <summary>The table shown at the end of every help page.</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Table { get; } =
    [
        (Ok, "ok (also after --help, and after Ctrl+C or SIGTERM)"),
        (Failure, "runtime failure"),
        (BadInput, "bad input (unknown verb or option, bad value, invalid file, unusable folder)"),
    ];
}
