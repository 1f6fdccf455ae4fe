using System.CommandLine;
using System.CommandLine.Parsing;

namespace Decentral.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into the messages a user needs: the unknown verb or
/// option named with the nearest valid one and the list to choose from. Its own texts are
/// internal resources, so its errors are told apart by the symbol they belong to, not by wording.
/// </summary>
internal static class ParseProblems
{
    /// <summary>
    /// Makes every command argument refuse a token that looks like an option: a command with a
    /// positional argument would otherwise take a misspelt <c>--nodez</c> as its value.
    /// </summary>
    public static void RejectOptionLikeArguments(Command command)
    {
        foreach (var argument in command.Arguments.Where(a => !a.Validators.Contains(RejectOptionLike)))
        {
            argument.Validators.Add(RejectOptionLike);
        }

        foreach (var child in command.Subcommands)
        {
            RejectOptionLikeArguments(child);
        }
    }

    public static IEnumerable<string> Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens.GroupBy(t => t, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var unknownVerb = false;
        var afterUnknownOption = false;
        foreach (var token in result.Tokens)
        {
            var isUnmatched = unmatched.TryGetValue(token.Value, out var left) && left > 0 && token.Type == TokenType.Argument;
            if (isUnmatched)
            {
                unmatched[token.Value] = left - 1;
            }

            if (LooksLikeOption(token.Value) && token.Type == TokenType.Argument)
            {
                // Unmatched: reported here; taken by a command argument: reported by RejectOptionLike.
                if (isUnmatched)
                {
                    yield return UnknownOption(token.Value, command);
                }

                afterUnknownOption = true;
                continue;
            }

            if (!isUnmatched)
            {
                afterUnknownOption = false;
                continue;
            }

            if (afterUnknownOption)
            {
                // Most likely the unknown option's value: naming the option is enough.
                afterUnknownOption = false;
            }
            else if (command.Subcommands.Count > 0 && command.Arguments.Count == 0 && !unknownVerb)
            {
                unknownVerb = true;
                var verbs = VerbsOf(command);
                yield return $"unknown verb '{token.Value}'{Suggestions.DidYouMean(token.Value, verbs)} (verbs: {string.Join(", ", verbs)})";
            }
            else
            {
                yield return $"unexpected argument '{token.Value}' for '{CommandLineRunner.CommandPath(command)}'";
            }
        }

        foreach (var error in result.Errors)
        {
            if (Rewrite(error, result, unknownVerb) is { } message)
            {
                yield return message;
            }
        }
    }

    /// <summary>The message for one of System.CommandLine's errors; null when it was already said.</summary>
    private static string? Rewrite(ParseError error, ParseResult result, bool unknownVerb)
    {
        switch (error.SymbolResult)
        {
            case CommandResult { Command: var owner }:
                if (result.UnmatchedTokens.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)))
                {
                    return null;
                }

                if (owner.Subcommands.Count > 0 && owner.Action is null)
                {
                    return unknownVerb ? null : $"no verb given (verbs: {string.Join(", ", VerbsOf(owner))})";
                }

                return error.Message;
            case OptionResult { Tokens.Count: 0, Implicit: false } option:
                return $"{option.Option.Name} needs a value ({option.Option.HelpName ?? option.Option.Name.TrimStart('-')})";
            case ArgumentResult { Tokens.Count: 0, Argument: var argument, Parent: CommandResult parent }:
                return $"'{CommandLineRunner.CommandPath(parent.Command)}' needs <{argument.HelpName ?? argument.Name}>: {argument.Description}";
            default:
                return error.Message;
        }
    }

    private static void RejectOptionLike(ArgumentResult result)
    {
        var command = (result.Parent as CommandResult)?.Command;
        foreach (var token in result.Tokens.Where(t => LooksLikeOption(t.Value)))
        {
            result.AddError(command is null ? $"unknown option '{token.Value}'" : UnknownOption(token.Value, command));
        }
    }

    private static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]);

    private static string UnknownOption(string token, Command command)
    {
        var names = OptionsOf(command).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
        return $"unknown option '{token}' for '{CommandLineRunner.CommandPath(command)}'{Suggestions.DidYouMean(token, names)}";
    }

    private static List<string> VerbsOf(Command command) => [.. command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)];

    /// <summary>The options a command accepts: its own and the recursive ones of its ancestors (--help).</summary>
    private static List<Option> OptionsOf(Command command)
    {
        var options = new List<Option>(command.Options);
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            options.AddRange(parent.Options.Where(o => o.Recursive));
        }

        return options;
    }
}
