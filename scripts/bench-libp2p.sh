#!/usr/bin/env bash
# Libp2p stack benchmark on loopback, all in one run:
#   - 16 MB over raw TCP vs over our TCP + Noise + Yamux stack (goal: >= 0.5x raw TCP)
#   - the same transfer between two js-libp2p peers (tests/interop/bench.mjs; goal: we are faster)
#   - managed memory per idle connection (N connections between two hosts in one process)
# Writes a markdown table to ${OUT_DIR:-out}/bench-libp2p.md and prints it.
# Usage: scripts/bench-libp2p.sh [MB=16] [RUNS=3] [IDLE_CONNECTIONS=200]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mb="${1:-16}"
runs="${2:-3}"
idle="${3:-200}"
out_dir="${OUT_DIR:-$root/out}"
mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A file-based .NET app referencing the library (kept out of the repo's build).
cat > "$work/bench.cs" <<CS
#:project $root/node/Decentral.Libp2p/Decentral.Libp2p.csproj
#:property Nullable=enable
#:property TreatWarningsAsErrors=false
#:property InvariantGlobalization=true
$(sed -n '/^\/\/ BEGIN-CS$/,/^\/\/ END-CS$/p' "$0" | sed '1d;$d')
CS

(cd "$work" && timeout 900 dotnet run bench.cs -c Release -- "$mb" "$runs" "$idle") > "$work/dotnet.txt" || { cat "$work/dotnet.txt"; exit 1; }

js_line="(js peers not installed: run npm ci in tests/interop)"
if [ -d "$root/tests/interop/node_modules/libp2p" ]; then
  js_json="$(cd "$root/tests/interop" && timeout 600 node bench.mjs --mb "$mb" --runs "$runs")"
  js_line="$(node -e '
    const r = JSON.parse(process.argv[1]); const best = Math.min(...r.ms);
    console.log(`| js-libp2p to js-libp2p (TCP+Noise+Yamux) | ${best.toFixed(0)} | ${(r.bytes / 1048576 / (best / 1000)).toFixed(1)} |`)' "$js_json")"
fi

{
  echo "# Libp2p benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${mb} MB, best of ${runs})"
  echo
  echo "| path | best ms | MB/s |"
  echo "| --- | --- | --- |"
  grep '^|' "$work/dotnet.txt"
  echo "$js_line"
  echo
  grep -v '^|' "$work/dotnet.txt"
} > "$out_dir/bench-libp2p.md"
cat "$out_dir/bench-libp2p.md"
exit 0

// BEGIN-CS
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;

var megabytes = int.Parse(args[0]);
var runs = int.Parse(args[1]);
var idle = int.Parse(args[2]);
var total = megabytes * 1024 * 1024;
var chunk = new byte[64 * 1024];
new Random(1).NextBytes(chunk);

double Best(List<double> ms) => ms.Min();
string Row(string name, double ms) => $"| {name} | {ms:F0} | {total / 1048576.0 / (ms / 1000):F1} |";

// Raw TCP.
var rawTimes = new List<double>();
for (var run = 0; run < runs; run++)
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    var accept = listener.AcceptSocketAsync();
    await client.ConnectAsync(listener.LocalEndpoint);
    using var server = await accept;
    var watch = Stopwatch.StartNew();
    var receive = Task.Run(async () =>
    {
        var buffer = new byte[64 * 1024];
        var got = 0;
        while (got < total)
        {
            got += await server.ReceiveAsync(buffer);
        }
        await server.SendAsync(new byte[] { 1 });
    });
    for (var sent = 0; sent < total; sent += chunk.Length)
    {
        await client.SendAsync(chunk);
    }
    await client.ReceiveAsync(new byte[1]);
    rawTimes.Add(watch.Elapsed.TotalMilliseconds);
    await receive;
}

// Our stack.
PeerIdentity Identity(byte seed) => PeerIdentity.FromSeed(Enumerable.Repeat(seed, 32).ToArray());
using var idA = Identity(1);
using var idB = Identity(2);
var options = new Libp2pHostOptions { MaxInboundConnections = idle + 10, MaxOutboundConnections = idle + 10, MaxConnectionsPerPeer = idle + 2 };
await using var a = new Libp2pHost(idA, options, TimeProvider.System);
await using var b = new Libp2pHost(idB, options, TimeProvider.System);
var listen = await b.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
b.SetStreamHandler("/bench/1.0.0", async (stream, ct) =>
{
    var buffer = new byte[64 * 1024];
    long got = 0;
    int n;
    while ((n = await stream.ReadAsync(buffer, ct)) > 0)
    {
        got += n;
    }
    await stream.WriteAsync(new byte[] { got == total ? (byte)1 : (byte)0 }, ct);
});
var dial = await a.DialAsync(listen.Address!.WithPeerId(b.PeerId));
if (!dial.IsConnected) throw new InvalidOperationException(dial.Reason);
var stackTimes = new List<double>();
for (var run = 0; run < runs; run++)
{
    var opened = await a.OpenStreamAsync(b.PeerId, ["/bench/1.0.0"]);
    await using var stream = opened.Stream!;
    var watch = Stopwatch.StartNew();
    for (var sent = 0; sent < total; sent += chunk.Length)
    {
        await stream.WriteAsync(chunk);
    }
    await stream.CloseWriteAsync();
    var ack = new byte[1];
    await stream.ReadExactlyAsync(ack);
    stackTimes.Add(watch.Elapsed.TotalMilliseconds);
    if (ack[0] != 1) throw new InvalidOperationException("receiver saw a different byte count");
}

// Memory per idle connection: N more connections between a and b (dialing without /p2p opens a new one).
GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
var before = GC.GetTotalMemory(true);
var rssBefore = Process.GetCurrentProcess().WorkingSet64;
for (var i = 0; i < idle; i++)
{
    var more = await a.DialAsync(listen.Address!);
    if (!more.IsConnected) throw new InvalidOperationException(more.Reason);
}
GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
var after = GC.GetTotalMemory(true);
var rssAfter = Process.GetCurrentProcess().WorkingSet64;

Console.WriteLine(Row("raw TCP (same run)", Best(rawTimes)));
Console.WriteLine(Row("C# stack (TCP+Noise+Yamux)", Best(stackTimes)));
Console.WriteLine($"C# stack / raw TCP throughput: {Best(rawTimes) / Best(stackTimes):F2}x (goal >= 0.5x)");
Console.WriteLine($"Idle connections: {idle} (both ends in one process, {a.Connections.Count + b.Connections.Count} connection objects)");
Console.WriteLine($"Managed heap per idle connection (one end): {(after - before) / (2.0 * idle) / 1024:F1} KiB; working set per connection (both ends): {(rssAfter - rssBefore) / (double)idle / 1024:F1} KiB");
// END-CS
