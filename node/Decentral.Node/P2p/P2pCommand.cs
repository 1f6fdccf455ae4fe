using System.Text;
using Decentral.Cli;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.P2p;

/// <summary>
/// The <c>p2p</c> run: a plain libp2p peer for humans and tests. It listens, dials, joins one
/// gossipsub topic, publishes text or stdin lines, pings on request, prints one JSON object per
/// line, and exits after the timeout, or <see cref="P2pArguments.Linger"/> after its own work
/// when it has an end (<see cref="P2pArguments.Finite"/>). Exit codes (<see cref="ExitCodes"/>):
/// 0 done, 1 could not listen; bad arguments (2) never get here (<see cref="P2pVerb"/>).
/// </summary>
internal static class P2pCommand
{
    /// <summary>Runs the peer; <paramref name="cancellationToken"/> ends it early (Ctrl+C, SIGTERM).</summary>
    public static async Task<int> RunAsync(P2pArguments parsed, TextWriter stdout, TextReader stdin, TimeProvider time,
        ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var output = new JsonLineWriter(stdout);
        using var identity = parsed.Seed is { } seed ? PeerIdentity.FromSeed(seed) : PeerIdentity.Generate();
        await using var host = new Libp2pHost(identity, new Libp2pHostOptions(), time, logs);
        var gossip = new GossipService(host, identity, new GossipOptions(), new GossipServiceOptions(), time,
            new Random(identity.PeerId.GetHashCode()), logs.CreateLogger<GossipService>());
        await using (gossip)
        {
            var session = new P2pSession(parsed, host, gossip, output, time);
            session.ReportConnections();
            var listen = await host.ListenAsync(parsed.Listen, cancellationToken);
            if (!listen.IsListening)
            {
                // The transport's reason already names the address.
                output.Error(listen.Error ?? $"cannot listen on {parsed.Listen}");
                return ExitCodes.Failure;
            }

            output.Write("listening", ("peerId", identity.PeerId.ToString()), ("addrs", host.ListenAddresses.Select(a => $"{a}/p2p/{identity.PeerId}").ToList()));
            gossip.RpcRejected += (_, r) => output.Error($"rejected RPC from {r.Peer}: {r.Reason} ({r.Detail})");
            gossip.Subscribe(parsed.Topic);
            gossip.Start();

            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var printing = session.PrintMessagesAsync(run.Token);
            var work = new List<Task> { session.DialAllAsync(run.Token) };
            if (parsed.Publish is not null)
            {
                work.Add(session.PublishRepeatedlyAsync(parsed.Publish, run.Token));
            }

            if (parsed.Stdin)
            {
                work.Add(session.PublishStdinAsync(stdin, run.Token));
            }

            var reason = await WaitForEndAsync(parsed, Task.WhenAll(work), time, cancellationToken);
            await run.CancelAsync();
            await Task.WhenAll(work.Append(printing).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            session.Exiting();
            output.Write("exit", ("reason", reason));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Waits for the timeout, Ctrl+C, or (a finite run) the work plus the linger; returns which ended the run.</summary>
    private static async Task<string> WaitForEndAsync(P2pArguments parsed, Task work, TimeProvider time, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(parsed.Timeout, time, waiting.Token);
        var done = parsed.Finite ? LingerAfterAsync(work, parsed.Linger, time, waiting.Token) : Task.Delay(Timeout.Infinite, waiting.Token);
        var first = await Task.WhenAny(timeout, done);
        await waiting.CancelAsync();
        await Task.WhenAll(timeout, done).ContinueWith(_ => { }, TaskScheduler.Default);
        return cancellationToken.IsCancellationRequested ? "cancelled" : first == done && done.IsCompletedSuccessfully ? "done" : "timeout";
    }

    private static async Task LingerAfterAsync(Task work, TimeSpan linger, TimeProvider time, CancellationToken cancellationToken)
    {
        await work.WaitAsync(cancellationToken);
        await Task.Delay(linger, time, cancellationToken);
    }
}

/// <summary>The concurrent activities of one p2p run.</summary>
internal sealed class P2pSession(P2pArguments args, ILibp2pHost host, GossipService gossip, JsonLineWriter output, TimeProvider time)
{
    private volatile bool _exiting;

    /// <summary>Prints inbound connections and every disconnection with its reason (outbound ones are printed by the dialer).</summary>
    public void ReportConnections()
    {
        host.PeerConnected += (_, e) =>
        {
            if (e.Connection.Direction == Direction.Inbound)
            {
                output.Write("connected", ("peer", e.Connection.RemotePeer.ToString()), ("addr", e.Connection.RemoteAddress.ToString()), ("direction", "inbound"));
            }
        };
        host.PeerDisconnected += (_, e) =>
        {
            // Connections closed by the shutdown itself are implied by the exit event, which stays last.
            if (!_exiting)
            {
                output.Write("disconnected", ("peer", e.Connection.RemotePeer.ToString()), ("direction", DirectionName(e.Connection)),
                    ("reason", e.Connection.Closed.IsCompletedSuccessfully ? e.Connection.Closed.Result : "closed"));
            }
        };
    }

    /// <summary>From here on the run is ending: no more disconnection events.</summary>
    public void Exiting() => _exiting = true;

    private static string DirectionName(ILibp2pConnection connection) => connection.Direction == Direction.Inbound ? "inbound" : "outbound";

    public async Task PrintMessagesAsync(CancellationToken cancellationToken)
    {
        await foreach (var m in gossip.Messages.ReadAllAsync(cancellationToken))
        {
            output.Write("message", ("from", m.Author.ToString()), ("topic", m.Topic), ("dataBase64", Convert.ToBase64String(m.Data)));
        }
    }

    public async Task DialAllAsync(CancellationToken cancellationToken)
    {
        foreach (var address in args.Dial)
        {
            var result = await host.DialAsync(address, cancellationToken);
            if (!result.IsConnected)
            {
                output.Error($"dial {address}: {result.Status} {result.Reason}");
                continue;
            }

            output.Write("connected", ("peer", result.Connection.RemotePeer.ToString()), ("addr", address.ToString()), ("direction", "outbound"));
            if (args.Ping)
            {
                await PingAsync(result.Connection.RemotePeer, cancellationToken);
            }
        }
    }

    public async Task PublishRepeatedlyAsync(string text, CancellationToken cancellationToken)
    {
        await WaitForTopicPeersAsync(cancellationToken);
        var data = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0)
            {
                await Task.Delay(args.Interval, time, cancellationToken);
            }

            Publish(data);
        }
    }

    public async Task PublishStdinAsync(TextReader stdin, CancellationToken cancellationToken)
    {
        await WaitForTopicPeersAsync(cancellationToken);
        while (await stdin.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Trim() == "/ping")
            {
                foreach (var peer in host.Connections.Select(c => c.RemotePeer).Distinct())
                {
                    await PingAsync(peer, cancellationToken);
                }
            }
            else if (line.Length > 0)
            {
                Publish(Encoding.UTF8.GetBytes(line));
            }
        }
    }

    private void Publish(byte[] data)
    {
        var result = gossip.Publish(args.Topic, data);
        output.Write("published", ("topic", args.Topic), ("recipients", result.Recipients));
    }

    private async Task PingAsync(PeerId peer, CancellationToken cancellationToken)
    {
        var ping = await host.PingAsync(peer, cancellationToken);
        if (ping.Status == PingStatus.Ok)
        {
            output.Write("ping", ("peer", peer.ToString()), ("rttMs", ping.RoundTrip.TotalMilliseconds));
        }
        else
        {
            output.Error($"ping {peer}: {ping.Status} {ping.Reason}");
        }
    }

    /// <summary>Waits (checking on every heartbeat) until enough peers joined the topic.</summary>
    private async Task WaitForTopicPeersAsync(CancellationToken cancellationToken)
    {
        var wanted = args.WaitPeers ?? 1;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(object? sender, EventArgs e)
        {
            if (gossip.Inspect(r => r.TopicPeers(args.Topic).Count) >= wanted)
            {
                ready.TrySetResult();
            }
        }

        gossip.HeartbeatCompleted += Check;
        try
        {
            Check(null, EventArgs.Empty);
            await ready.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            gossip.HeartbeatCompleted -= Check;
        }
    }
}
