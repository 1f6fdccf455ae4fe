using System.Text.Json;
using Decentral.Tests.Shared;

namespace Decentral.Libp2p.Gossip.Tests.Kit;

/// <summary>
/// A js-libp2p gossipsub peer (tests/interop/gossip-peer.mjs, run by <see cref="JsProcess"/>)
/// listening on loopback. Commands go to its stdin as JSON lines; its events land in
/// <see cref="Events"/>.
/// </summary>
internal sealed class JsPeer : IAsyncDisposable
{
    private readonly JsProcess _process;

    private JsPeer(JsProcess process, JsonElement listening)
    {
        _process = process;
        PeerId = listening.GetProperty("peerId").GetString()!;
        Address = listening.GetProperty("addrs")[0].GetString()!;
    }

    public EventLog<JsonElement> Events => _process.Events;

    public string PeerId { get; }

    public string Address { get; }

    public static async Task<JsPeer> StartAsync(string topic)
    {
        var process = await JsProcess.StartAsync("gossip-peer.mjs", ["--topic", topic, "--listen", "/ip4/127.0.0.1/tcp/0"], stopCommand: new { cmd = "stop" });
        try
        {
            return new JsPeer(process, await process.WaitForEventAsync("listening"));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public static bool Is(JsonElement e, string eventName) => JsProcess.Is(e, eventName);

    public void Send(object command) => _process.Send(command);

    public IReadOnlyList<byte[]> ReceivedData() =>
        [.. Events.Snapshot().Where(e => Is(e, "message")).Select(e => Convert.FromBase64String(e.GetProperty("dataBase64").GetString()!))];

    /// <summary>The mesh size in the latest heartbeat event (js emits one only when it changes).</summary>
    public static int LastMeshSize(IReadOnlyList<JsonElement> events) =>
        events.LastOrDefault(e => Is(e, "heartbeat")) is { ValueKind: JsonValueKind.Object } hb ? hb.GetProperty("mesh").GetArrayLength() : 0;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
