using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Decentral.Cli;
using Decentral.Libp2p.Multiformats;
using Decentral.Soak.Attack;

namespace Decentral.Soak.Verbs;

/// <summary>
/// <c>flood MODE TARGET SECONDS</c>: one flood against one listener, then one JSON line with what
/// it did (the attacker of scripts/bench-flood.sh).
/// </summary>
internal static class FloodVerb
{
    public static Command Create()
    {
        var mode = new Argument<string>("mode") { Description = "idle (2000 idle sockets from 100 loopback addresses, reopened as closed), churn (connect and close, 16 at a time), garbage (1 MiB of random bytes per connection, 8 at a time) or gossip (64 KiB signed messages on --topic, flat out)." };
        mode.AcceptOnlyFromAmong("idle", "churn", "garbage", "gossip");
        var target = new Argument<string>("target") { Description = "The listener's multiaddr (/ip4/127.0.0.1/tcp/PORT, with /p2p/ID for gossip)." };
        var seconds = new Argument<double>("seconds") { Description = "How long the flood lasts." };
        var topic = CliOptions.Text("--topic", "The gossip mode's topic.", "name").WithDefault("decentral");
        var command = new Command("flood", "Flood one libp2p listener for a while and print {\"mode\",\"seconds\",\"ops\"}: sockets opened, or messages published.")
        {
            mode, target, seconds, topic,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!Multiaddr.TryParse(result.GetRequiredValue(target), out var address) || !address.TryGetTcpTarget(out var host, out var port, out _))
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"error: target: '{result.GetRequiredValue(target)}' is not a TCP multiaddr");
                return ExitCodes.BadInput;
            }

            var endPoint = new IPEndPoint(IPAddress.Parse(host!), port);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(result.GetValue(seconds)));
            var watch = Stopwatch.StartNew();
            var floods = new Floods(() => endPoint);
            long ops;
            var name = result.GetRequiredValue(mode);
            if (name == "gossip")
            {
                await using var spam = new GossipSpam(result.GetRequiredValue(topic));
                await spam.RunAsync(() => [address], peers: 1, bytes: 64 * 1024, perSecond: null, stop.Token);
                ops = spam.Published;
            }
            else
            {
                await (name switch
                {
                    "idle" => floods.IdleAsync(2000, stop.Token),
                    "churn" => floods.ChurnAsync(16, null, stop.Token),
                    _ => floods.GarbageAsync(8, 1024 * 1024, null, stop.Token),
                });
                ops = floods.Sockets;
            }

            await result.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{{\"mode\":\"{name}\",\"seconds\":{watch.Elapsed.TotalSeconds:F1},\"ops\":{ops}}}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
