using System.CommandLine;
using Decentral.Cli;

namespace Decentral.Simulator.Cli.Verbs;

/// <summary><c>help [VERB]</c>: the same page as <c>--help</c> (kept because the README and scripts/simulate.sh offer it).</summary>
internal static class HelpVerb
{
    public static Command Create(RootCommand root)
    {
        var verbs = root.Subcommands.Select(c => c.Name).ToArray();
        var verb = new Argument<string?>("verb") { Description = "The verb to describe.", Arity = ArgumentArity.ZeroOrOne };
        verb.CompletionSources.Add(verbs);
        verb.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var name }] && !verbs.Contains(name, StringComparer.Ordinal))
            {
                result.AddError($"unknown verb '{name}'{Suggestions.DidYouMean(name, verbs)} (verbs: {string.Join(", ", verbs)})");
            }
        });
        var command = new Command("help", "Show the help of decentral-sim or of one verb.") { verb };
        command.SetAction(result =>
            root.Parse(result.GetValue(verb) is { } name ? [name, "--help"] : ["--help"]).Invoke(result.InvocationConfiguration));
        return command;
    }
}
