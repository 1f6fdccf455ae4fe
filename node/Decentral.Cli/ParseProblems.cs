using System.CommandLine;
using System.CommandLine.Parsing;

namespace Decentral.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into the messages a user needs: the unknown verb or
/// option named with the nearest valid one and the list to choose from.
/// </summary>
internal static class ParseProblems
{
    public static IEnumerable<string> Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var unknownVerb = false;
        var afterUnknownOption = false;
        foreach (var token in result.UnmatchedTokens)
        {
            var isOption = token.StartsWith('-') && token.Length > 1;
            if (afterUnknownOption && !isOption)
            {
                // Most likely the unknown option's value: naming the option is enough.
                afterUnknownOption = false;
                continue;
            }

            afterUnknownOption = isOption;
            if (isOption)
            {
                var names = OptionsOf(command).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                yield return $"unknown option '{token}' for '{CommandLineRunner.CommandPath(command)}'{Suggestions.DidYouMean(token, names)}";
            }
            else if (command.Subcommands.Count > 0 && command.Arguments.Count == 0 && !unknownVerb)
            {
                unknownVerb = true;
                var verbs = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
                yield return $"unknown verb '{token}'{Suggestions.DidYouMean(token, verbs)} (verbs: {string.Join(", ", verbs)})";
            }
            else
            {
                yield return $"unexpected argument '{token}' for '{CommandLineRunner.CommandPath(command)}'";
            }
        }

        foreach (var error in result.Errors)
        {
            // System.CommandLine's own texts are internal resources: its errors are told apart by
            // the symbol they belong to, not by their wording.
            if (error.SymbolResult is CommandResult { Command: var owner })
            {
                if (unmatched.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)))
                {
                    continue;
                }

                if (owner.Subcommands.Count > 0 && owner.Action is null)
                {
                    if (!unknownVerb)
                    {
                        yield return $"no verb given (verbs: {string.Join(", ", owner.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))})";
                    }

                    continue;
                }
            }

            if (error.SymbolResult is OptionResult { Tokens.Count: 0, Implicit: false } option)
            {
                yield return $"{option.Option.Name} needs a value ({option.Option.HelpName ?? option.Option.Name.TrimStart('-')})";
                continue;
            }

            yield return error.Message;
        }
    }

    /// <summary>The options a command accepts: its own and the recursive ones of its ancestors (--help).</summary>
    private static IEnumerable<Option> OptionsOf(Command command)
    {
        var options = new List<Option>(command.Options);
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            options.AddRange(parent.Options.Where(o => o.Recursive));
        }

        return options;
    }
}
