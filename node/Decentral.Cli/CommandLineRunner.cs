using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;

namespace Decentral.Cli;

/// <summary>
/// Parses and runs a command tree with the conventions every Decentral executable shares:
/// <c>--help</c> on every verb exits 0 and ends with the exit-code table; a bad command line
/// prints one <c>error:</c> line per problem (unknown verbs and options named, with the nearest
/// valid name) and exits <see cref="ExitCodes.BadInput"/>; Ctrl+C and SIGTERM cancel the
/// action's token (System.CommandLine's handling); the <c>[suggest]</c> directive serves shell
/// completion (dotnet-suggest).
/// </summary>
public static class CommandLineRunner
{
    /// <summary>
    /// Runs <paramref name="root"/> on <paramref name="args"/> and returns the exit code.
    /// <paramref name="output"/> and <paramref name="error"/> default to the console;
    /// <paramref name="cancellationToken"/> cancels the action as Ctrl+C does.
    /// With <paramref name="handleSignals"/> false, System.CommandLine leaves Ctrl+C and SIGTERM
    /// alone: the caller handles them and cancels <paramref name="cancellationToken"/> (a program
    /// that stops gracefully, a node's LEAVE and last checkpoint, must not be ended after 2 s).
    /// </summary>
    public static Task<int> InvokeAsync(RootCommand root, IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null,
        CancellationToken cancellationToken = default, bool handleSignals = true)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        foreach (var help in root.Options.OfType<HelpOption>().Where(h => h.Action is not HelpWithExitCodes))
        {
            help.Action = new HelpWithExitCodes(help.Action);
        }

        ParseProblems.RejectOptionLikeArguments(root);
        var configuration = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error };
        if (!handleSignals)
        {
            configuration.ProcessTerminationTimeout = null;
        }
        var result = root.Parse(args);
        if (result.Action is ParseErrorAction)
        {
            foreach (var problem in ParseProblems.Describe(result))
            {
                configuration.Error.WriteLine($"error: {problem}");
            }

            configuration.Error.WriteLine($"see '{CommandPath(result.CommandResult.Command)} --help'");
            return Task.FromResult(ExitCodes.BadInput);
        }

        return result.InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="root"/> on <paramref name="args"/> in a program that stops gracefully:
    /// Ctrl+C and SIGTERM cancel the action's token and never end the process abruptly (a node's
    /// LEAVE advert and last checkpoint, a soak's clean-up of its node processes).
    /// </summary>
    public static async Task<int> InvokeUntilSignalledAsync(RootCommand root, IReadOnlyList<string> args)
    {
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await InvokeAsync(root, args, cancellationToken: stop.Token, handleSignals: false).ConfigureAwait(false);
    }

    /// <summary>"decentral-node p2p": the root's name and the verbs down to <paramref name="command"/>.</summary>
    internal static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The standard help page plus the exit-code table.</summary>
    private sealed class HelpWithExitCodes(CommandLineAction? standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            if (standard is SynchronousCommandLineAction help)
            {
                help.Invoke(parseResult);
            }

            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Exit codes:");
            foreach (var (code, meaning) in ExitCodes.Table)
            {
                output.WriteLine($"  {code}  {meaning}");
            }

            output.WriteLine();
            return ExitCodes.Ok;
        }
    }
}
