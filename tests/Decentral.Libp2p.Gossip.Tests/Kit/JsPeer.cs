using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Decentral.Libp2p.Gossip.Tests.Kit;

/// <summary>
/// A js-libp2p gossipsub peer (tests/interop/gossip-peer.mjs) run as a child process. Commands
/// go to its stdin as JSON lines; its JSON stdout lines land in <see cref="Events"/>.
/// Needs Node 20.19+ and <c>npm ci</c> in tests/interop.
/// </summary>
internal sealed class JsPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();

    private JsPeer(Process process) => _process = process;

    public EventLog<JsonElement> Events { get; } = new();

    public string PeerId { get; private set; } = "";

    public string Address { get; private set; } = "";

    public static string InteropDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Decentral.sln")))
        {
            dir = dir.Parent;
        }

        var interop = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Decentral.sln not found above the test binaries."), "tests", "interop");
        if (!Directory.Exists(Path.Combine(interop, "node_modules", "@chainsafe", "libp2p-gossipsub")))
        {
            throw new InvalidOperationException($"js-libp2p is not installed: run 'npm ci' in {interop}.");
        }

        return interop;
    }

    public static async Task<JsPeer> StartAsync(string topic)
    {
        var interop = InteropDirectory();
        var info = new ProcessStartInfo("node", ["gossip-peer.mjs", "--topic", topic, "--listen", "/ip4/127.0.0.1/tcp/0"])
        {
            WorkingDirectory = interop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var peer = new JsPeer(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                peer.Events.Add(JsonDocument.Parse(e.Data).RootElement.Clone());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                peer._stderr.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // A peer that exits before it listens (a module missing while npm ci still runs, a script
        // error) fails at once with its stderr, not after the whole wait with an empty log.
        var listening = peer.Events.WaitAsync(e => e.Any(x => Is(x, "listening")), TimeSpan.FromMinutes(2), "js peer listening");
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(listening, exited) == exited && !listening.IsCompleted)
        {
            throw new InvalidOperationException($"The js peer exited with code {process.ExitCode} before it listened. stderr:\n{string.Join('\n', peer._stderr)}");
        }

        await listening;
        var announced = peer.Events.Snapshot().First(x => Is(x, "listening"));
        peer.PeerId = announced.GetProperty("peerId").GetString()!;
        peer.Address = announced.GetProperty("addrs")[0].GetString()!;
        return peer;
    }

    public static bool Is(JsonElement e, string eventName) => e.GetProperty("event").GetString() == eventName;

    public void Send(object command)
    {
        _process.StandardInput.WriteLine(JsonSerializer.Serialize(command));
        _process.StandardInput.Flush();
    }

    public IReadOnlyList<byte[]> ReceivedData() =>
        [.. Events.Snapshot().Where(e => Is(e, "message")).Select(e => Convert.FromBase64String(e.GetProperty("dataBase64").GetString()!))];

    /// <summary>The mesh size in the latest heartbeat event (js emits one only when it changes).</summary>
    public static int LastMeshSize(IReadOnlyList<JsonElement> events) =>
        events.LastOrDefault(e => Is(e, "heartbeat")) is { ValueKind: JsonValueKind.Object } hb ? hb.GetProperty("mesh").GetArrayLength() : 0;

    public async ValueTask DisposeAsync()
    {
        try
        {
            Send(new { cmd = "stop" });
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
