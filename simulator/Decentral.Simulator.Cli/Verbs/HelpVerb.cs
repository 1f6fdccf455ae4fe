using System.CommandLine;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary><c>help [VERB]</c>: the same page as <c>--help</c> (kept because the README and scripts/simulate.sh offer it).</summary>
internal static class HelpVerb
{
    public static Command Create(RootCommand root)
    {
        var verbs = root.Subcommands.Select(c => c.Name).ToArray();
        var verb = new Argument<string?>("verb") { Description = "The verb to describe.", Arity = ArgumentArity.ZeroOrOne };
        verb.AcceptOnlyFromAmong(verbs);
        var command = new Command("help", "Show the help of decentral-sim or of one verb.") { verb };
        command.SetAction(result =>
            root.Parse(result.GetValue(verb) is { } name ? [name, "--help"] : ["--help"]).Invoke(result.InvocationConfiguration));
        return command;
    }
}
