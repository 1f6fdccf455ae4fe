using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Decentral.Cli;
using Decentral.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.P2p;

/// <summary>Builds the <c>p2p</c> verb: its options, their help, and the binding to <see cref="P2pCommand"/>.</summary>
internal static class P2pVerb
{
    /// <summary>
    /// The verb; it reads stdin lines from <paramref name="stdin"/>, waits on <paramref name="time"/>
    /// and logs to <paramref name="logs"/> (default: one line per entry on stderr, Information and
    /// above, so stdout stays one JSON event per line).
    /// </summary>
    public static Command Create(TextReader stdin, TimeProvider time, ILoggerFactory? logs = null)
    {
        var defaults = new P2pArguments();
        var listen = CliOptions.Parsed<Multiaddr>("--listen", "Listen address.", "multiaddr", TryParseMultiaddr, "a multiaddr").WithDefault(defaults.Listen);
        var dial = CliOptions.Repeated<Multiaddr>("--dial", "Dial this peer (repeatable).", "multiaddr", TryParseMultiaddr, "a multiaddr");
        var topic = CliOptions.Text("--topic", "Gossipsub topic.", "name").WithDefault(defaults.Topic);
        var publish = new Option<string>("--publish") { Description = "Publish this text --count times.", HelpName = "text" };
        var count = CliOptions.Int("--count", "How often to publish --publish.", 1).WithDefault(defaults.Count);
        var interval = CliOptions.Duration("--interval", "Pause between publishes.", defaults.Interval);
        var readStdin = new Option<bool>("--stdin") { Description = "Publish every line read from stdin; the line /ping pings all connected peers." };
        var ping = new Option<bool>("--ping") { Description = "Ping every dialed peer once connected." };
        var waitPeers = CliOptions.OptionalInt("--wait-peers", "Before publishing, wait until this many peers joined the topic [default: 1].", 0);
        var timeout = CliOptions.Duration("--timeout", "Exit after this long.", defaults.Timeout, positive: true);
        var linger = CliOptions.Duration("--linger", "With --publish or --ping and without --stdin: exit this long after the last publish and ping (so the messages leave) instead of at --timeout.", defaults.Linger);
        var seed = CliOptions.Parsed<byte[]>("--seed", "Ed25519 seed for a fixed identity [default: random].", "64 hex chars", TryParseSeed, "64 hex characters (32 bytes)");
        var command = new Command("p2p", "A diagnostic libp2p peer (TCP, Noise, Yamux, identify, ping, GossipSub v1.1): prints one JSON object per line on stdout. Durations: 250ms, 5s, 2m.")
        {
            listen, dial, topic, publish, count, interval, readStdin, ping, waitPeers, timeout, linger, seed,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var stderrLogs = logs is null ? StderrLogs() : null;
            return await P2pCommand.RunAsync(Bind(result), result.InvocationConfiguration.Output, stdin, time, logs ?? stderrLogs!, cancellationToken);
        });
        return command;

        P2pArguments Bind(ParseResult result) => new()
        {
            Listen = result.GetRequiredValue(listen),
            Dial = result.GetValue(dial) ?? [],
            Topic = result.GetRequiredValue(topic),
            Publish = result.GetValue(publish),
            Count = result.GetValue(count),
            Interval = result.GetValue(interval) ?? defaults.Interval,
            Stdin = result.GetValue(readStdin),
            Ping = result.GetValue(ping),
            WaitPeers = result.GetValue(waitPeers),
            Timeout = result.GetValue(timeout) ?? defaults.Timeout,
            Linger = result.GetValue(linger) ?? defaults.Linger,
            // An absent array-valued option reads as an empty array, not null.
            Seed = result.GetResult(seed) is null ? null : result.GetValue(seed),
        };
    }

    private static ILoggerFactory StderrLogs() => LoggerFactory.Create(b => b
        .SetMinimumLevel(LogLevel.Information)
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    private static bool TryParseMultiaddr(string text, [NotNullWhen(true)] out Multiaddr? value) => Multiaddr.TryParse(text, out value);

    private static bool TryParseSeed(string text, [NotNullWhen(true)] out byte[]? value)
    {
        value = text.Length == 64 && text.All(Uri.IsHexDigit) ? Convert.FromHexString(text) : null;
        return value is not null;
    }
}
