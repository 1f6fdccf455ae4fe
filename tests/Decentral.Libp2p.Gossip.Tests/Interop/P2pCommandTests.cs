using System.Text;
using System.Text.Json;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Node.P2p;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Interop;

public sealed class P2pCommandTests
{
    private static List<JsonElement> Lines(StringWriter output) =>
        [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Theory]
    [InlineData("--count", "0")]
    [InlineData("--dial", "not-a-multiaddr")]
    [InlineData("--timeout", "soon")]
    [InlineData("--seed", "abc")]
    [InlineData("--bogus", "1")]
    [InlineData("--topic")]
    public async Task Run_BadArguments_ExitCode2WithErrorEvent(params string[] args)
    {
        var output = new StringWriter();

        var code = await P2pCommand.RunAsync(args, output, TextReader.Null, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(2, code);
        var line = Assert.Single(Lines(output));
        Assert.Equal("error", line.GetProperty("event").GetString());
        Assert.Contains("bad arguments", line.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120000)]
    [InlineData("1.5", 1500)]
    public void TryParseDuration_Units(string text, int milliseconds)
    {
        Assert.True(P2pArguments.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task Run_DialPublishPing_PeerGetsMessagesAndOutputIsJsonLines()
    {
        await using var peer = await LoopbackPeer.StartAsync(60);
        peer.Gossip.Subscribe("cli");
        var output = new StringWriter();
        string[] args = ["--dial", $"{peer.Address}/p2p/{peer.PeerId}", "--topic", "cli", "--publish", "hello", "--count", "3",
            "--interval", "10ms", "--ping", "--timeout", "4s",
            "--seed", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"];

        var code = await P2pCommand.RunAsync(args, output, TextReader.Null, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(0, code);
        var lines = Lines(output);
        var listening = lines.First();
        Assert.Equal("listening", listening.GetProperty("event").GetString());
        Assert.Equal("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB", listening.GetProperty("peerId").GetString());
        Assert.Contains(lines, l => l.GetProperty("event").GetString() == "ping" && l.GetProperty("rttMs").GetDouble() >= 0);
        Assert.Equal(3, lines.Count(l => l.GetProperty("event").GetString() == "published"));
        await peer.Messages.WaitAsync(m => m.Count >= 3, LoopbackPeer.Timeout, "3 messages from the CLI");
        Assert.All(peer.Messages.Snapshot(), m => Assert.Equal("hello", Encoding.UTF8.GetString(m.Data)));
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task Run_Stdin_PublishesLinesAndPingsOnRequest()
    {
        await using var peer = await LoopbackPeer.StartAsync(61);
        peer.Gossip.Subscribe("cli-stdin");
        var output = new StringWriter();
        var stdin = new StringReader("first\n/ping\n\nsecond\n");
        string[] args = ["--dial", $"{peer.Address}/p2p/{peer.PeerId}", "--topic", "cli-stdin", "--stdin", "--timeout", "4s"];

        var code = await P2pCommand.RunAsync(args, output, stdin, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(0, code);
        var events = Lines(output).Select(l => l.GetProperty("event").GetString()).ToList();
        Assert.Equal("listening", events[0]);
        Assert.Equal("exit", events[^1]);
        Assert.Contains("connected", events);
        Assert.Equal(["published", "ping", "published"], events.Where(e => e is "published" or "ping"));
        await peer.Messages.WaitAsync(m => m.Count >= 2, LoopbackPeer.Timeout, "2 stdin lines");
        Assert.Equal(["first", "second"], peer.Messages.Snapshot().Select(m => Encoding.UTF8.GetString(m.Data)));
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task Run_InboundPeer_ReportedAsJsonEventsAndLoggedByTheHost()
    {
        var output = new JsonLinesWriter();
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        using var cancel = new CancellationTokenSource();
        var run = P2pCommand.RunAsync(["--timeout", "5m"], output, TextReader.Null, TimeProvider.System, factory, cancel.Token);
        var listening = await output.Events.WaitForAsync(e => Is(e, "listening"));
        await using var peer = await LoopbackPeer.StartAsync(62);

        var dial = await peer.Host.DialAsync(Decentral.Libp2p.Multiformats.Multiaddr.Parse(listening.GetProperty("addrs")[0].GetString()!));
        Assert.True(dial.IsConnected, dial.Reason);
        var connected = await output.Events.WaitForAsync(e => Is(e, "connected"));
        Assert.Equal("inbound", connected.GetProperty("direction").GetString());
        Assert.Equal(peer.PeerId.ToString(), connected.GetProperty("peer").GetString());
        Assert.Contains(logs.GetSnapshot(), r => r.Message.Contains($"to {peer.PeerId} (Inbound) opened", StringComparison.Ordinal));

        await peer.Host.DisconnectAsync(dial.Connection.RemotePeer);
        var disconnected = await output.Events.WaitForAsync(e => Is(e, "disconnected"));
        Assert.Equal("inbound", disconnected.GetProperty("direction").GetString());
        Assert.False(string.IsNullOrEmpty(disconnected.GetProperty("reason").GetString()));
        await cancel.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(LoopbackPeer.Timeout));
        Assert.Equal("cancelled", (await output.Events.WaitForAsync(e => Is(e, "exit"))).GetProperty("reason").GetString());
    }

    private static bool Is(JsonElement e, string name) => e.GetProperty("event").GetString() == name;
}
