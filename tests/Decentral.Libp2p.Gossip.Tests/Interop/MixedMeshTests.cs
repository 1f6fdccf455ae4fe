using System.Text;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Gossip.Tests.Interop;

[Trait("Category", "Interop")]
public sealed class MixedMeshTests
{
    private const string Topic = "decentral-mixed";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task MixedMesh_TwoCSharpTwoJs_EveryMessageReachesEveryPeer_LateJoinerViaIHaveIWant()
    {
        // a keeps a small, full mesh and a long gossip history so the late joiner stays outside
        // its mesh and can still be offered the earlier messages by IHAVE.
        await using var a = await LoopbackPeer.StartAsync(40, new GossipOptions
        {
            D = 2, DLow = 2, DHigh = 3, DOut = 1, HistoryLength = 50, HistoryGossip = 50,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        });
        await using var b = await LoopbackPeer.StartAsync(41, new GossipOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        await using var j1 = await JsPeer.StartAsync(Topic);
        await using var j2 = await JsPeer.StartAsync(Topic);
        a.Gossip.Subscribe(Topic);
        b.Gossip.Subscribe(Topic);

        // A ring a - j1 - j2 - b - a: C# dials js, js dials C#, C# dials C#, js dials js.
        Assert.True((await a.Host.DialAsync(Multiaddr.Parse(j1.Address))).IsConnected);
        j1.Send(new { cmd = "dial", addr = j2.Address });
        j2.Send(new { cmd = "dial", addr = $"{b.Address}/p2p/{b.PeerId}" });
        await a.DialAsync(b);

        await a.WaitForRouterAsync(r => r.MeshPeers(Topic).Count == 2, "a meshed with j1 and b");
        await b.WaitForRouterAsync(r => r.MeshPeers(Topic).Count == 2, "b meshed with a and j2");
        await j1.Events.WaitAsync(e => JsPeer.LastMeshSize(e) == 2, Timeout, "j1 meshed with a and j2");
        await j2.Events.WaitAsync(e => JsPeer.LastMeshSize(e) == 2, Timeout, "j2 meshed with j1 and b");

        a.Gossip.Publish(Topic, "from-a"u8.ToArray());
        b.Gossip.Publish(Topic, "from-b"u8.ToArray());
        j1.Send(new { cmd = "publish", dataBase64 = Convert.ToBase64String("from-j1"u8) });
        j2.Send(new { cmd = "publish", dataBase64 = Convert.ToBase64String("from-j2"u8) });
        string[] all = ["from-a", "from-b", "from-j1", "from-j2"];

        await a.Messages.WaitAsync(m => m.Count >= 3, Timeout, "a got 3");
        await b.Messages.WaitAsync(m => m.Count >= 3, Timeout, "b got 3");
        await j1.Events.WaitAsync(e => e.Count(x => JsPeer.Is(x, "message")) >= 3, Timeout, "j1 got 3");
        await j2.Events.WaitAsync(e => e.Count(x => JsPeer.Is(x, "message")) >= 3, Timeout, "j2 got 3");
        Assert.Equal(all.Except(["from-a"]).Order(), a.Messages.Snapshot().Select(m => Encoding.UTF8.GetString(m.Data)).Order());
        Assert.Equal(all.Except(["from-b"]).Order(), b.Messages.Snapshot().Select(m => Encoding.UTF8.GetString(m.Data)).Order());
        Assert.Equal(all.Except(["from-j1"]).Order(), j1.ReceivedData().Select(Encoding.UTF8.GetString).Order());
        Assert.Equal(all.Except(["from-j2"]).Order(), j2.ReceivedData().Select(Encoding.UTF8.GetString).Order());

        // The late joiner never grafts and refuses grafts (D = D_hi = 0), and a dials it, so it is
        // inbound for the joiner: messages can only reach it through a's IHAVE and its own IWANT.
        await using var late = await LoopbackPeer.StartAsync(42, new GossipOptions
        {
            D = 0, DLow = 0, DHigh = 0, DOut = 0, HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        });
        late.Gossip.Subscribe(Topic);
        await a.DialAsync(late);

        await late.Messages.WaitAsync(m => m.Count >= 4, Timeout, "late joiner got all 4 earlier messages");
        Assert.Equal(all.Order(), late.Messages.Snapshot().Select(m => Encoding.UTF8.GetString(m.Data)).Order());
        Assert.All(late.Messages.Snapshot(), m => Assert.Equal(a.PeerId, m.ReceivedFrom));
        Assert.True(late.Gossip.Inspect(r => r.Counters.IWantSent) >= 4);
        Assert.True(late.Gossip.Inspect(r => r.Counters.IHaveReceived) >= 1);
    }

    [Fact]
    public async Task JsGossip_IHaveFromJs_UsesOurMessageIds()
    {
        await using var a = await LoopbackPeer.StartAsync(43);
        await using var js = await JsPeer.StartAsync(Topic);
        await using var late = await LoopbackPeer.StartAsync(44, new GossipOptions
        {
            D = 0, DLow = 0, DHigh = 0, DOut = 0, HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        });
        a.Gossip.Subscribe(Topic);
        late.Gossip.Subscribe(Topic);
        Assert.True((await a.Host.DialAsync(Multiaddr.Parse(js.Address))).IsConnected);

        // js dials the joiner, so the joiner refuses js's GRAFT and js must gossip to it.
        js.Send(new { cmd = "dial", addr = $"{late.Address}/p2p/{late.PeerId}" });
        var lateId = late.PeerId.ToString();
        await js.Events.WaitAsync(e => e.LastOrDefault(x => JsPeer.Is(x, "heartbeat")) is { ValueKind: System.Text.Json.JsonValueKind.Object } hb
            && hb.GetProperty("topicPeers").EnumerateArray().Any(p => p.GetString() == lateId)
            && !hb.GetProperty("mesh").EnumerateArray().Any(p => p.GetString() == lateId)
            && hb.GetProperty("mesh").GetArrayLength() == 1, Timeout, "js knows the joiner, outside its mesh, and meshed with a");

        a.Gossip.Publish(Topic, "via-js-gossip"u8.ToArray());

        await late.Messages.WaitAsync(m => m.Count >= 1, Timeout, "joiner got the message via js IHAVE/IWANT");
        Assert.Equal(js.PeerId, late.Messages.Snapshot()[0].ReceivedFrom.ToString());

        // js repeats IHAVE for a few heartbeats. If its ids equal ours, the repeats are recognized
        // as seen and never asked for again; with different ids every repeat would cost an IWANT.
        await late.WaitForRouterAsync(r => r.Counters.IHaveIdsAlreadySeen >= 1, "a repeated IHAVE recognized as seen");
        Assert.Equal(1, late.Gossip.Inspect(r => r.Counters.IWantSent));
    }
}
