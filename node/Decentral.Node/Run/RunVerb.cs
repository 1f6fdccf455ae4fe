using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Decentral.Cli;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Node.Run;

/// <summary>Builds the <c>run</c> verb: the node as a long-running worker (Generic Host, systemd-ready).</summary>
internal static class RunVerb
{
    /// <summary>The verb.</summary>
    public static Command Create()
    {
        var config = CliOptions.Text("--config", "A JSON configuration file layered over the defaults (configs/node.json).", "file");
        var dataDir = CliOptions.Text("--data-dir", "The data directory (node:dataDir).", "dir");
        var session = CliOptions.Text("--session", "The learning session (node:session).", "name");
        var listen = CliOptions.Repeated<Multiaddr>("--listen", "Listen address (node:listen; repeatable).", "multiaddr", TryParseAddress, "a TCP multiaddr such as /ip4/0.0.0.0/tcp/4001");
        var announce = CliOptions.Repeated<Multiaddr>("--announce", "Address advertised to peers (node:announce; repeatable).", "multiaddr", TryParseAddress, "a TCP multiaddr");
        var bootstrap = CliOptions.Repeated<Multiaddr>("--bootstrap", "A peer to contact first, ending in /p2p/<peer id> (node:bootstrap; repeatable).", "multiaddr", TryParseAddress, "a multiaddr ending in /p2p/<peer id>");
        var task = CliOptions.Text("--task", "synthetic, mnist, fashion-mnist or movielens (learning:task).", "name");
        var model = CliOptions.Text("--model", "softmax, lenet or mf (learning:model).", "name");
        var partition = CliOptions.Parsed<(int Index, int Count)>("--partition", "This node's share of the data: INDEX/COUNT, e.g. 3/10 (learning:partition:index and :count).", "i/n", TryParsePartition, "INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 3/10");
        var set = CliOptions.Repeated<KeyValuePair<string, string>>("--set", "Any setting: section:key=value, e.g. protocol:sampleSize=4 (repeatable).", "key=value", TryParseSetting, "section:key=value");
        var command = new Command("run", "Run a node: join the session's libp2p overlay, take part in MoDeST's sampling, train on this node's data, exchange models with the other nodes. Stops gracefully on SIGTERM or Ctrl+C.")
        {
            config, dataDir, session, listen, announce, bootstrap, task, model, partition, set,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var arguments = new RunArguments { ConfigFile = result.GetValue(config) };
            void Put(string key, string? value)
            {
                if (value is not null)
                {
                    arguments.Overrides[key] = value;
                }
            }

            void PutList(string key, IReadOnlyList<Multiaddr>? values)
            {
                for (var i = 0; values is not null && i < values.Count; i++)
                {
                    arguments.Overrides[$"{key}:{i}"] = values[i].ToString();
                }
            }

            Put("node:dataDir", result.GetValue(dataDir));
            Put("node:session", result.GetValue(session));
            PutList("node:listen", result.GetValue(listen));
            PutList("node:announce", result.GetValue(announce));
            PutList("node:bootstrap", result.GetValue(bootstrap));
            Put("learning:task", result.GetValue(task));
            Put("learning:model", result.GetValue(model));
            if (result.GetResult(partition) is not null)
            {
                var (index, count) = result.GetValue(partition);
                Put("learning:partition:index", index.ToString(CultureInfo.InvariantCulture));
                Put("learning:partition:count", count.ToString(CultureInfo.InvariantCulture));
            }

            foreach (var (key, value) in result.GetValue(set) ?? [])
            {
                arguments.Overrides[key] = value;
            }

            return await RunCommand.RunAsync(arguments, result.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    private static bool TryParseAddress(string text, [NotNullWhen(true)] out Multiaddr? value) =>
        Multiaddr.TryParse(text, out value) && value.TryGetTcpTarget(out _, out _, out _);

    private static bool TryParsePartition(string text, out (int Index, int Count) value)
    {
        value = default;
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
        {
            value = (index, count);
            return true;
        }

        return false;
    }

    private static bool TryParseSetting(string text, out KeyValuePair<string, string> value)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var key = equals > 0 ? text[..equals].Trim() : string.Empty;
        value = new KeyValuePair<string, string>(key, equals > 0 ? text[(equals + 1)..] : string.Empty);
        return key.Contains(':', StringComparison.Ordinal) && !key.StartsWith(':') && !key.EndsWith(':');
    }
}
