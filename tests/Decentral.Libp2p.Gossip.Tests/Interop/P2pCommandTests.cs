using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Decentral.Cli;
using Decentral.Libp2p.Gossip.Tests.Kit;
using Decentral.Node.P2p;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace Decentral.Libp2p.Gossip.Tests.Interop;

public sealed class P2pCommandTests
{
    private const string Seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private static List<JsonElement> Lines(StringWriter output) =>
        [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>Runs the verb as decentral-node does: through its System.CommandLine tree and the shared runner.</summary>
    private static async Task<(int Code, StringWriter Output, string Error)> RunAsync(string[] args, TextReader? stdin = null,
        StringWriter? output = null, ILoggerFactory? logs = null, CancellationToken cancellationToken = default)
    {
        output ??= new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand("test") { P2pVerb.Create(stdin ?? TextReader.Null, TimeProvider.System, logs ?? NullLoggerFactory.Instance) };
        var code = await CommandLineRunner.InvokeAsync(root, ["p2p", .. args], output, error, cancellationToken);
        return (code, output, error.ToString());
    }

    [Theory]
    [InlineData("error: --count: '0' is not a whole number of at least 1", "--count", "0")]
    [InlineData("error: --dial: 'not-a-multiaddr' is not a multiaddr", "--dial", "not-a-multiaddr")]
    [InlineData("error: --timeout: 'soon' is not a positive duration like 250ms, 5s or 2m", "--timeout", "soon")]
    [InlineData("error: --seed: 'abc' is not 64 hex characters (32 bytes)", "--seed", "abc")]
    [InlineData("error: --topic needs a value (name)", "--topic")]
    public async Task Run_BadArguments_ExitCode2NamingTheOption(string expected, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(output.ToString());
        Assert.Equal(expected, error.Split('\n')[0]);
    }

    [Fact]
    public async Task Run_UnknownOption_NamedAsUnknownNotAsMissingAValue()
    {
        var (code, _, error) = await RunAsync(["--bogus"]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("unknown option '--bogus'", error);
        Assert.DoesNotContain("needs a value", error);
    }

    [Fact]
    public async Task Run_MisspeltOption_SuggestsTheNearest()
    {
        var (_, _, error) = await RunAsync(["--publsh", "hi"]);

        Assert.Contains("unknown option '--publsh' for", error);
        Assert.Contains("did you mean --publish?", error);
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task Run_PortInUse_ExitCode1WithTheReasonOnce()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"/ip4/127.0.0.1/tcp/{((IPEndPoint)taken.LocalEndpoint).Port}";

        var (code, output, _) = await RunAsync(["--listen", address]);

        Assert.Equal(ExitCodes.Failure, code);
        var line = Assert.Single(Lines(output));
        Assert.Equal("error", line.GetProperty("event").GetString());
        var message = line.GetProperty("message").GetString()!;
        Assert.StartsWith($"cannot listen on {address}: ", message);
        Assert.Single(message.Split("cannot listen").Skip(1));
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task Run_DialPublishPing_PeerGetsMessagesAndOutputIsJsonLines()
    {
        await using var peer = await LoopbackPeer.StartAsync(60);
        peer.Gossip.Subscribe("cli");
        string[] args = ["--dial", $"{peer.Address}/p2p/{peer.PeerId}", "--topic", "cli", "--publish", "hello", "--count", "3",
            "--interval", "10ms", "--ping", "--timeout", "4s", "--linger", "4s", "--seed", Seed];

        var (code, output, _) = await RunAsync(args);

        Assert.Equal(ExitCodes.Ok, code);
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
    public async Task Run_DialerPublishes_ExitsOnceDoneNotAtTheTimeout()
    {
        await using var peer = await LoopbackPeer.StartAsync(62);
        peer.Gossip.Subscribe("cli-done");
        string[] args = ["--dial", $"{peer.Address}/p2p/{peer.PeerId}", "--topic", "cli-done", "--publish", "bye", "--count", "2",
            "--interval", "10ms", "--ping", "--timeout", "60s"];

        var (code, output, _) = await RunAsync(args);

        Assert.Equal(ExitCodes.Ok, code);
        var exit = Lines(output).Last();
        Assert.Equal("exit", exit.GetProperty("event").GetString());
        Assert.Equal("done", exit.GetProperty("reason").GetString());
        await peer.Messages.WaitAsync(m => m.Count >= 2, LoopbackPeer.Timeout, "2 messages from the CLI before it exited");
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task Run_Stdin_PublishesLinesAndPingsOnRequest()
    {
        await using var peer = await LoopbackPeer.StartAsync(61);
        peer.Gossip.Subscribe("cli-stdin");
        var stdin = new StringReader("first\n/ping\n\nsecond\n");
        string[] args = ["--dial", $"{peer.Address}/p2p/{peer.PeerId}", "--topic", "cli-stdin", "--stdin", "--timeout", "4s"];

        var (code, output, _) = await RunAsync(args, stdin);

        Assert.Equal(ExitCodes.Ok, code);
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
        var run = RunAsync(["--timeout", "5m"], output: output, logs: factory, cancellationToken: cancel.Token);
        var listening = await output.Events.WaitForAsync(e => Is(e, "listening"));
        await using var peer = await LoopbackPeer.StartAsync(63);

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
        Assert.Equal(ExitCodes.Ok, (await run.WaitAsync(LoopbackPeer.Timeout)).Code);
        Assert.Equal("cancelled", (await output.Events.WaitForAsync(e => Is(e, "exit"))).GetProperty("reason").GetString());
    }

    private static bool Is(JsonElement e, string name) => e.GetProperty("event").GetString() == name;
}
