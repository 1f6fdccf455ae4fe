using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Tests.Kit;
using Decentral.Tests.Shared;

namespace Decentral.Libp2p.Tests;

/// <summary>
/// Our stack against js-libp2p (tests/interop/peer.mjs) on loopback: Noise with and without
/// early muxer negotiation on either side, identify and ping in both directions.
/// </summary>
[Trait("Category", "Interop")]
public sealed class InteropTests
{
    private const string ExtraProtocol = "/decentral/interop-probe/1.0.0";

    public static TheoryData<bool, bool> MuxerModes => new() { { true, true }, { false, true }, { true, false }, { false, false } };

    [Theory]
    [MemberData(nameof(MuxerModes))]
    public async Task CSharpDialsJs_HandshakeIdentifyPing_WorkBothWays(bool csharpEarlyMuxer, bool jsEarlyMuxer)
    {
        await using var js = await JsProcess.StartAsync("peer.mjs", JsArgs(jsEarlyMuxer, "--listen", "/ip4/127.0.0.1/tcp/0"));
        var listening = await js.WaitForEventAsync("listening");
        var jsAddress = Multiaddr.Parse(listening.GetProperty("addrs")[0].GetString()!);
        var jsPeer = PeerId.Parse(listening.GetProperty("peerId").GetString()!);
        await using var host = await TestHost.StartAsync(11, o => o.EarlyMuxerNegotiation = csharpEarlyMuxer);
        host.Host.SetStreamHandler(ExtraProtocol, (s, ct) => Task.CompletedTask);
        var identified = host.IdentifiedAsync(jsPeer);

        var dial = await host.Host.DialAsync(jsAddress, Bounded.Token());

        Assert.True(dial.IsConnected, $"{dial.Status}: {dial.Reason}\n{js.Stderr}");
        Assert.Equal(jsPeer, dial.Connection.RemotePeer);
        await AssertBothWaysAsync(host, js, jsPeer, await identified.Within(), jsListens: true);
    }

    [Theory]
    [MemberData(nameof(MuxerModes))]
    public async Task JsDialsCSharp_HandshakeIdentifyPing_WorkBothWays(bool csharpEarlyMuxer, bool jsEarlyMuxer)
    {
        await using var host = await TestHost.StartAsync(12, o => o.EarlyMuxerNegotiation = csharpEarlyMuxer);
        host.Host.SetStreamHandler(ExtraProtocol, (s, ct) => Task.CompletedTask);
        var connected = new TaskCompletionSource<ILibp2pConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Host.PeerConnected += (_, e) => connected.TrySetResult(e.Connection);
        var identifiedAny = new TaskCompletionSource<IdentifyInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Host.PeerIdentified += (_, e) => identifiedAny.TrySetResult(e.Info);

        await using var js = await JsProcess.StartAsync("peer.mjs", JsArgs(jsEarlyMuxer, "--dial", host.Address.ToString()));
        var dialed = await js.WaitForAsync(e => e.GetProperty("event").GetString() is "dialed" or "error");
        Assert.True(dialed.GetProperty("event").GetString() == "dialed", dialed.GetRawText());
        Assert.Equal(host.Host.PeerId.ToString(), dialed.GetProperty("peer").GetString());
        var jsPeer = PeerId.Parse((await js.WaitForEventAsync("listening")).GetProperty("peerId").GetString()!);

        var connection = await connected.Task.Within();
        Assert.Equal(jsPeer, connection.RemotePeer);
        Assert.Equal(Direction.Inbound, connection.Direction);
        await AssertBothWaysAsync(host, js, jsPeer, await identifiedAny.Task.Within(), jsListens: false);
    }

    [Fact]
    public async Task CSharpToJs_FourMegabyteEcho_RespectsWindowsBothWays()
    {
        await using var js = await JsProcess.StartAsync("peer.mjs", ["--listen", "/ip4/127.0.0.1/tcp/0", "--exit-after", "60000"]);
        var listening = await js.WaitForEventAsync("listening");
        var jsPeer = PeerId.Parse(listening.GetProperty("peerId").GetString()!);
        await using var host = await TestHost.StartAsync(13);
        Assert.True((await host.Host.DialAsync(Multiaddr.Parse(listening.GetProperty("addrs")[0].GetString()!), Bounded.Token())).IsConnected);

        var opened = await host.Host.OpenStreamAsync(jsPeer, ["/decentral/echo/1.0.0"], Bounded.Token());
        Assert.True(opened.IsOpened, opened.Reason);
        await using var stream = opened.Stream;
        var data = new byte[4 << 20];
        new Random(4).NextBytes(data);

        // More than any initial window in flight both ways: only window updates let it finish.
        var write = Task.Run(async () =>
        {
            await stream.WriteAsync(data);
            await stream.CloseWriteAsync();
        });
        var echoed = new MemoryStream();
        await stream.CopyToAsync(echoed).Within();
        await write.Within();
        Assert.Equal(data, echoed.ToArray());
    }

    [Fact]
    public async Task JsPeer_ThatExitsBeforeItsEvent_FailsTheWaitWithItsStderr()
    {
        // node exits at once on a missing script, as on a missing module or a script error.
        await using var js = await JsProcess.StartAsync("no-such-script.mjs", []);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => js.WaitForEventAsync("listening"));

        Assert.Contains("exited with code", failure.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-script.mjs", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot find module", failure.Message, StringComparison.Ordinal);
    }

    private static string[] JsArgs(bool earlyMuxer, params string[] rest) =>
        [.. rest, "--ping-on-connect", "--exit-after", "60000", .. earlyMuxer ? Array.Empty<string>() : ["--no-early-muxer"]];

    private static async Task AssertBothWaysAsync(TestHost host, JsProcess js, PeerId jsPeer, IdentifyInfo identify, bool jsListens)
    {
        // We identified js.
        Assert.Equal(jsPeer, identify.Peer);
        Assert.Contains("/ipfs/ping/1.0.0", identify.Protocols);
        Assert.Contains("/ipfs/id/1.0.0", identify.Protocols);
        Assert.StartsWith("js-libp2p", identify.AgentVersion, StringComparison.Ordinal);

        // js's signed peer record verified here and names the addresses js listens on (js signs
        // a record only when it listens somewhere).
        if (jsListens)
        {
            Assert.NotNull(identify.SignedRecord);
            Assert.Equal(jsPeer, identify.SignedRecord.Peer);
            Assert.NotEmpty(identify.SignedRecord.Addresses);
        }

        // js identified us and saw every protocol we registered.
        var ours = host.Host.PeerId.ToString();
        var jsIdentify = await js.WaitForAsync(e => e.GetProperty("event").GetString() == "identify" && e.GetProperty("peer").GetString() == ours);
        var protocols = jsIdentify.GetProperty("protocols").EnumerateArray().Select(x => x.GetString()).ToList();
        Assert.Contains(ExtraProtocol, protocols);
        Assert.Contains("/ipfs/ping/1.0.0", protocols);
        Assert.Equal("decentral/1.0", jsIdentify.GetProperty("agentVersion").GetString());

        // js verified our signed peer record: same sequence number, our dialable addresses, never 0.0.0.0.
        var record = jsIdentify.GetProperty("signedPeerRecord");
        Assert.Equal(System.Text.Json.JsonValueKind.Object, record.ValueKind);
        Assert.Equal(host.Host.LocalRecord.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), record.GetProperty("seq").GetString());
        var addresses = record.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains(host.Host.ListenAddresses[0].ToString(), addresses);
        Assert.DoesNotContain(addresses, a => a!.Contains("0.0.0.0", StringComparison.Ordinal));

        // js pinged us.
        var jsPing = await js.WaitForAsync(e => e.GetProperty("event").GetString() is "ping" or "error");
        Assert.True(jsPing.GetProperty("event").GetString() == "ping", jsPing.GetRawText());
        Assert.True(jsPing.GetProperty("rttMs").GetDouble() >= 0);

        // We ping js, twice (a new stream per ping).
        for (var i = 0; i < 2; i++)
        {
            var ping = await host.Host.PingAsync(jsPeer, Bounded.Token());
            Assert.True(ping.Status == PingStatus.Ok, $"{ping.Status}: {ping.Reason}");
        }

        Assert.Single(host.Host.Connections);
    }
}
