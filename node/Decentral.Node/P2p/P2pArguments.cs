using System.Globalization;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Node.P2p;

/// <summary>Parsed arguments of the <c>p2p</c> verb. Parse errors are values, reported to the user.</summary>
internal sealed record P2pArguments
{
    public const string Help = """
        usage: decentral-node p2p [options]
          --listen <multiaddr>     listen address (default /ip4/127.0.0.1/tcp/0)
          --dial <multiaddr>       dial this peer (repeatable)
          --topic <name>           gossipsub topic (default decentral)
          --publish <text>         publish this text --count times
          --count <n>              how often to publish --publish (default 1)
          --interval <duration>    pause between publishes (default 100ms)
          --stdin                  publish every line read from stdin; a line "/ping" pings all peers
          --ping                   ping every dialed peer once connected
          --wait-peers <n>         before publishing, wait until n peers joined the topic (default 1 when publishing)
          --timeout <duration>     exit after this long (default 30s)
          --seed <64 hex chars>    Ed25519 seed for a fixed identity (default: random)
        durations: 250ms, 5s, 2m; output: one JSON object per line on stdout
        """;

    public Multiaddr Listen { get; init; } = Multiaddr.Parse("/ip4/127.0.0.1/tcp/0");

    public List<Multiaddr> Dial { get; } = [];

    public string Topic { get; init; } = "decentral";

    public string? Publish { get; init; }

    public int Count { get; init; } = 1;

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    public bool Stdin { get; init; }

    public bool Ping { get; init; }

    public int? WaitPeers { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public byte[]? Seed { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>Parses <paramref name="args"/>; returns null and an error message when they are invalid.</summary>
    public static P2pArguments? TryParse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var parsed = new P2pArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return parsed with { ShowHelp = true };
            }

            if (name is "--stdin" or "--ping")
            {
                parsed = name == "--stdin" ? parsed with { Stdin = true } : parsed with { Ping = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return null;
            }

            var value = args[++i];
            error = Apply(ref parsed, name, value);
            if (error is not null)
            {
                return null;
            }
        }

        return parsed;
    }

    private static string? Apply(ref P2pArguments parsed, string name, string value)
    {
        switch (name)
        {
            case "--listen":
                if (!Multiaddr.TryParse(value, out var listen))
                {
                    return $"--listen: '{value}' is not a multiaddr";
                }

                parsed = parsed with { Listen = listen };
                return null;
            case "--dial":
                if (!Multiaddr.TryParse(value, out var dial))
                {
                    return $"--dial: '{value}' is not a multiaddr";
                }

                parsed.Dial.Add(dial);
                return null;
            case "--topic":
                if (value.Length == 0)
                {
                    return "--topic must not be empty";
                }

                parsed = parsed with { Topic = value };
                return null;
            case "--publish":
                parsed = parsed with { Publish = value };
                return null;
            case "--count" or "--wait-peers":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || (name == "--count" && n < 1))
                {
                    return $"{name}: '{value}' is not a {(name == "--count" ? "positive" : "non-negative")} integer";
                }

                parsed = name == "--count" ? parsed with { Count = n } : parsed with { WaitPeers = n };
                return null;
            case "--interval" or "--timeout":
                if (!TryParseDuration(value, out var duration) || (name == "--timeout" && duration <= TimeSpan.Zero))
                {
                    return $"{name}: '{value}' is not a duration like 250ms, 5s or 2m";
                }

                parsed = name == "--interval" ? parsed with { Interval = duration } : parsed with { Timeout = duration };
                return null;
            case "--seed":
                if (value.Length != 64 || !value.All(Uri.IsHexDigit))
                {
                    return "--seed needs 64 hex characters (32 bytes)";
                }

                parsed = parsed with { Seed = Convert.FromHexString(value) };
                return null;
            default:
                return $"unknown option {name}";
        }
    }

    /// <summary>Parses "250ms", "5s", "2m" (and a bare number as seconds).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : (text, 1000.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 1e9)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(value * scale);
        return true;
    }
}
