#:project ../node/Decentral.Libp2p.Gossip/Decentral.Libp2p.Gossip.csproj
#:property OutputType=Exe
#:property GenerateDocumentationFile=false
// Benchmark driver for scripts/bench-libp2p-transfer.sh: 16 MiB over raw loopback TCP, over our
// libp2p stack (TCP + Noise + Yamux + /decentral/model/1.0.0) and over two js-libp2p peers, in
// one run; prints a Markdown table. Args: <sizeMiB> <runs> <js-bench-script or "-"> <idle-conns>.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using NSec.Cryptography;

var sizeMiB = args.Length > 0 ? int.Parse(args[0]) : 16;
var runs = args.Length > 1 ? int.Parse(args[1]) : 5;
var jsScript = args.Length > 2 ? args[2] : "-";
var idleConnections = args.Length > 3 ? int.Parse(args[3]) : 32;
var size = sizeMiB * 1024 * 1024;
var payload = new byte[size];
new Random(1).NextBytes(payload);

var raw = await RawTcpAsync(payload, runs);
var ours = await OurStackAsync(payload, runs);
var js = jsScript == "-" ? null : await JsAsync(jsScript, sizeMiB, runs);
var idle = await IdleConnectionBytesAsync(idleConnections);
var cipher = CipherOnly(payload, runs);

Console.WriteLine($"| path | median ms | MB/s | vs raw TCP | CPU ms per transfer (all threads, both ends) |");
Console.WriteLine($"|---|---|---|---|---|");
Row("raw TCP (loopback, 64 KiB writes)", raw, Cpu.Median("raw"));
Row("C# libp2p: TCP+Noise+Yamux, /decentral/model/1.0.0", ours, Cpu.Median("ours"));
if (js is not null)
{
    Row("js-libp2p 2.10 (two peers, one stream)", js, null);
}

Row("ceiling: ChaCha20-Poly1305 seal alone (as Noise uses it), 65519-byte frames, one core", cipher, Median(cipher));

// Every byte is sealed once and opened once (opening costs what sealing does), and the same TCP
// work as the raw path is done on top: with no other overhead at all the stack needs that much
// CPU, spread over the machine's cores at best.
var cores = Environment.ProcessorCount;
var floor = ((2 * Median(cipher)) + Cpu.Median("raw")) / cores;
Console.WriteLine();
Console.WriteLine($"Floor for any Noise stack here: (seal + open + raw TCP CPU) / {cores} cores = (2 x {Median(cipher):F1} + {Cpu.Median("raw"):F1}) / {cores} = {floor:F1} ms, i.e. at most {Median(raw) / floor:F2}x raw TCP with zero overhead.");

Console.WriteLine();
Console.WriteLine($"Payload {sizeMiB} MiB, median of {runs} runs after {Warmup.Runs} warm-up runs (steady state: the JIT has optimized the hot paths); connection set up before timing, stream open + transfer timed.");
Console.WriteLine($"C# ours / js-libp2p: {(js is null ? "not measured" : $"{Median(js) / Median(ours):F2}x faster")}.");
Console.WriteLine($"Managed bytes allocated per C# transfer (both ends, all threads; median of the timed runs): {Median(Allocated.Bytes.Select(b => (double)b).ToList()) / 1024.0:F1} KiB.");
Console.WriteLine($"Managed heap per idle C# connection (both ends in one process, {idleConnections} connections): {idle / 1024.0:F1} KiB.");

void Row(string name, List<double> ms, double? cpuMs)
{
    var median = Median(ms);
    Console.WriteLine($"| {name} | {median:F1} | {size / 1e6 / (median / 1000):F1} | {Median(raw) / median:F2}x | {(cpuMs is { } c ? c.ToString("F1") : "n/a")} |");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

// Every byte our stack carries is sealed once by the sender and opened once by the receiver, on
// different cores, so sealing the payload on one core bounds the stack's throughput from above.
// Uses the same cipher the Noise channel uses: the platform's (OpenSSL) when supported, else NSec.
static List<double> CipherOnly(byte[] payload, int runs)
{
    using var platform = System.Security.Cryptography.ChaCha20Poly1305.IsSupported ? new System.Security.Cryptography.ChaCha20Poly1305(new byte[32]) : null;
    var aead = AeadAlgorithm.ChaCha20Poly1305;
    using var key = Key.Create(aead);
    var nonce = new byte[12];
    var sealedFrame = new byte[65535];
    var times = new List<double>();
    for (var i = 0; i < Warmup.Runs + runs; i++)
    {
        var watch = Stopwatch.StartNew();
        for (var offset = 0; offset < payload.Length; offset += 65519)
        {
            var length = Math.Min(65519, payload.Length - offset);
            if (platform is not null)
            {
                platform.Encrypt(nonce, payload.AsSpan(offset, length), sealedFrame.AsSpan(0, length), sealedFrame.AsSpan(length, 16));
            }
            else
            {
                aead.Encrypt(key, nonce, default, payload.AsSpan(offset, length), sealedFrame.AsSpan(0, length + 16));
            }
        }

        if (i >= Warmup.Runs)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    return times;
}

static async Task<List<double>> RawTcpAsync(byte[] payload, int runs)
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    var times = new List<double>();
    for (var i = 0; i < Warmup.Runs + runs; i++)
    {
        var accept = listener.AcceptTcpClientAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var server = await accept;
        var cpu = Environment.CpuUsage.TotalTime;
        var watch = Stopwatch.StartNew();
        var read = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            var stream = server.GetStream();
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                total += n;
            }

            return total;
        });
        var output = client.GetStream();
        for (var offset = 0; offset < payload.Length; offset += 64 * 1024)
        {
            await output.WriteAsync(payload.AsMemory(offset, Math.Min(64 * 1024, payload.Length - offset)));
        }

        client.Client.Shutdown(SocketShutdown.Send);
        if (await read != payload.Length)
        {
            throw new InvalidOperationException("raw TCP lost bytes");
        }

        if (i >= Warmup.Runs)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
            Cpu.Add("raw", Environment.CpuUsage.TotalTime - cpu);
        }
    }

    return times;
}

static async Task<List<double>> OurStackAsync(byte[] payload, int runs)
{
    using var serverId = PeerIdentity.Generate();
    using var clientId = PeerIdentity.Generate();
    await using var server = new Libp2pHost(serverId, new Libp2pHostOptions(), TimeProvider.System);
    await using var client = new Libp2pHost(clientId, new Libp2pHostOptions(), TimeProvider.System);
    var options = new ModelTransferOptions();
    new ModelTransferService(server, options, TimeProvider.System).Serve((_, _, _) =>
        ValueTask.FromResult(new ModelResponse(TransferStatus.Ok, new MemoryStream(payload, writable: false), payload.Length)));
    var requester = new ModelTransferService(client, options, TimeProvider.System);
    var listen = await server.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
    var dial = await client.DialAsync(listen.Address!);
    if (!dial.IsConnected)
    {
        throw new InvalidOperationException($"dial failed: {dial.Reason}");
    }

    var times = new List<double>();
    for (var i = 0; i < Warmup.Runs + runs; i++)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var result = await requester.RequestAsync(server.PeerId, "m"u8.ToArray(), null, 0, Stream.Null);
        if (!result.Ok || result.BodyBytes != payload.Length)
        {
            throw new InvalidOperationException($"transfer failed: {result.Status} {result.Reason}");
        }

        if (i >= Warmup.Runs)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
            Cpu.Add("ours", Environment.CpuUsage.TotalTime - cpu);
            Allocated.Add(GC.GetTotalAllocatedBytes(precise: true) - allocated);
        }
    }

    return times;
}

static async Task<List<double>> JsAsync(string script, int sizeMiB, int runs)
{
    var info = new ProcessStartInfo("node", [Path.GetFileName(script), sizeMiB.ToString(), runs.ToString()])
    {
        WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(script)),
        RedirectStandardOutput = true,
    };
    using var process = Process.Start(info)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    using var json = JsonDocument.Parse(output);
    return [.. json.RootElement.GetProperty("ms").EnumerateArray().Select(e => e.GetDouble())];
}

static async Task<long> IdleConnectionBytesAsync(int count)
{
    using var serverId = PeerIdentity.Generate();
    await using var server = new Libp2pHost(serverId, new Libp2pHostOptions(), TimeProvider.System);
    var listen = await server.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
    var clients = new List<(PeerIdentity, Libp2pHost)>();
    for (var i = 0; i < 2; i++)
    {
        // Warm up code paths so JIT and static state are not counted.
        var id = PeerIdentity.Generate();
        clients.Add((id, new Libp2pHost(id, new Libp2pHostOptions(), TimeProvider.System)));
    }

    foreach (var (_, host) in clients)
    {
        await host.DialAsync(listen.Address!);
    }

    var before = Heap();
    var hosts = new List<(PeerIdentity, Libp2pHost)>();
    for (var i = 0; i < count; i++)
    {
        var id = PeerIdentity.Generate();
        var host = new Libp2pHost(id, new Libp2pHostOptions(), TimeProvider.System);
        var dial = await host.DialAsync(listen.Address!);
        if (!dial.IsConnected)
        {
            throw new InvalidOperationException($"dial failed: {dial.Reason}");
        }

        hosts.Add((id, host));
    }

    var after = Heap();
    foreach (var (id, host) in hosts.Concat(clients))
    {
        await host.DisposeAsync();
        id.Dispose();
    }

    return (after - before) / count;

    static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>Managed bytes allocated during each timed transfer of our stack (both ends run in this process).</summary>
internal static class Allocated
{
    public static List<long> Bytes { get; } = [];

    public static void Add(long bytes) => Bytes.Add(bytes);
}

/// <summary>Transfers run before timing starts, so tiered JIT compilation has reached optimized code.</summary>
internal static class Warmup
{
    public const int Runs = 40;
}

/// <summary>CPU time of the process per timed transfer, by path (getrusage: microsecond resolution).</summary>
internal static class Cpu
{
    private static readonly Dictionary<string, List<double>> Samples = [];

    public static void Add(string path, TimeSpan used)
    {
        if (!Samples.TryGetValue(path, out var list))
        {
            Samples[path] = list = [];
        }

        list.Add(used.TotalMilliseconds);
    }

    public static double Median(string path)
    {
        var sorted = Samples[path].Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
