#:project ../node/Decentral.Libp2p.Gossip/Decentral.Libp2p.Gossip.csproj
#:property Nullable=enable
#:property InvariantGlobalization=true
// The attacker of scripts/bench-flood.sh: floods one libp2p listener for a while and prints one
// JSON line with what it did. Loopback only (127.0.0.x sources model distinct remote hosts).
// usage: dotnet run bench-flood.cs -- MODE TARGET_MULTIADDR SECONDS
//   idle     2000 idle sockets from 127.0.0.2..127.0.0.101, reopened as the listener closes them
//   churn    connect and close at once, 16 at a time
//   garbage  connect, send 1 MiB of random bytes, close, 8 at a time
//   gossip   a real peer that publishes 64 KiB signed messages on "decentral" as fast as it can
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;

var mode = args[0];
var target = Multiaddr.Parse(args[1]);
var seconds = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
target.TryGetTcpTarget(out var host, out var port, out _);
var endPoint = new IPEndPoint(IPAddress.Parse(host!), port);
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
long ops = 0;
var watch = Stopwatch.StartNew();

switch (mode)
{
    case "idle":
        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => IdleAsync(new IPAddress([127, 0, 0, (byte)(2 + (i % 100))]))));
        break;
    case "churn":
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => LoopAsync(async s => { await s.ConnectAsync(endPoint, stop.Token); })));
        break;
    case "garbage":
        var junk = new byte[1024 * 1024];
        Random.Shared.NextBytes(junk);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => LoopAsync(async s =>
        {
            await s.ConnectAsync(endPoint, stop.Token);
            await s.SendAsync(junk, SocketFlags.None, stop.Token);
        })));
        break;
    case "gossip":
        await GossipAsync();
        break;
    default:
        throw new ArgumentException($"unknown mode {mode}");
}

Console.WriteLine($"{{\"mode\":\"{mode}\",\"seconds\":{watch.Elapsed.TotalSeconds:F1},\"ops\":{ops}}}");
return 0;

async Task IdleAsync(IPAddress source)
{
    var buffer = new byte[4096];
    while (!stop.IsCancellationRequested)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(endPoint, stop.Token);
            Interlocked.Increment(ref ops);
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Closed or refused by the listener: open the next one.
        }
    }
}

async Task LoopAsync(Func<Socket, Task> once)
{
    while (!stop.IsCancellationRequested)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await once(socket);
            Interlocked.Increment(ref ops);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Refused or reset by the listener: that is the flood working.
        }
    }
}

async Task GossipAsync()
{
    using var identity = PeerIdentity.Generate();
    await using var peer = new Libp2pHost(identity, new Libp2pHostOptions(), TimeProvider.System);
    await using var gossip = new GossipService(peer, identity, new GossipOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200) },
        new GossipServiceOptions(), TimeProvider.System, new Random(1));
    gossip.Subscribe("decentral");
    gossip.Start();
    var dial = await peer.DialAsync(target);
    if (!dial.IsConnected)
    {
        throw new InvalidOperationException($"dial failed: {dial.Reason}");
    }

    while (!stop.IsCancellationRequested && gossip.Inspect(r => r.TopicPeers("decentral").Count) == 0)
    {
        await Task.Delay(50);
    }

    var data = new byte[64 * 1024];
    while (!stop.IsCancellationRequested)
    {
        Random.Shared.NextBytes(data);
        gossip.Publish("decentral", [.. data]);
        Interlocked.Increment(ref ops);

        // Publish only enqueues; yield so the writer drains instead of the queue dropping everything.
        await Task.Yield();
    }
}
