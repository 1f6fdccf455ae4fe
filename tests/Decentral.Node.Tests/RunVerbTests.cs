using Decentral.Node.Tests.Kit;

namespace Decentral.Node.Tests;

/// <summary>
/// The run verb as a user meets it, one decentral-node process per test: bad settings of each
/// kind, missing data, a corrupt identity or checkpoint, a second process on one data
/// directory, a bootstrap peer that is down, SIGTERM. Each bad input exits 2 with a message that
/// names the key or file; a recoverable problem is logged and the node goes on.
/// </summary>
[Trait("Category", "Process")]
public sealed class RunVerbTests
{
    private static readonly TimeSpan Started = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Exited = TimeSpan.FromSeconds(60);

    private static string[] Args(string dataDir, params string[] more) =>
        ["run", "--data-dir", dataDir, "--task", "synthetic", "--listen", "/ip4/127.0.0.1/tcp/0", "--set", "founding:minPeers=1", .. more];

    [Fact]
    public async Task Help_OnRun_ExitsZeroAndListsOptions()
    {
        using var scratch = new Scratch();
        await using var node = NodeProcess.Start(scratch.Path, ["run", "--help"]);

        Assert.Equal(0, await node.WaitForExitAsync(Exited));
        Assert.Contains("--bootstrap", node.Output, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", node.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("protocol:sampleSize=0", "protocol:sampleSize must be at least 1")]
    [InlineData("protocol:sampleSise=4", "unknown setting 'protocol:sampleSise'; did you mean sampleSize?")]
    [InlineData("node:slot=abc", "node:slot")]
    [InlineData("learning:partition:index=5", "learning:partition:index must be from 0 to learning:partition:count - 1")]
    [InlineData("network:sendTimeout=00:00:01", "network:sendTimeout (00:00:01) must be at least network:dialTimeout")]
    [InlineData("network:overlayRedialMax=00:00:01", "network:overlayRedialMax must be at least 00:00:02")]
    [InlineData("node:bootstrap:0=/ip4/127.0.0.1/tcp/1", "node:bootstrap:0 must end in /p2p/<peer id>")]
    [InlineData("founding:resumeAfter=-00:00:01", "founding:resumeAfter must be 00:00:00 (off) or a positive duration")]
    [InlineData("founding:resumeAfter=00:01:00", "founding:resumeAfter (00:01:00) must be longer than protocol:ackTimeout (00:05:30)")]
    public async Task BadSetting_OfEachKind_ExitsTwoNamingTheKey(string setting, string expected)
    {
        using var scratch = new Scratch();
        await using var node = NodeProcess.Start(scratch.Sub("d"), Args(scratch.Sub("d"), "--set", setting));

        Assert.Equal(2, await node.WaitForExitAsync(Exited));
        Assert.Contains(expected, node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFile_InvalidJson_ExitsTwoNamingTheFile()
    {
        using var scratch = new Scratch();
        var config = scratch.Sub("bad.json");
        File.WriteAllText(config, "{ \"node\": { \"session\": ");
        await using var node = NodeProcess.Start(scratch.Sub("d"), Args(scratch.Sub("d"), "--config", config));

        Assert.Equal(2, await node.WaitForExitAsync(Exited));
        Assert.Contains("bad.json", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentVariable_BadSession_ExitsTwoNamingTheKey()
    {
        using var scratch = new Scratch();
        await using var node = NodeProcess.Start(scratch.Sub("d"), Args(scratch.Sub("d")), environment: new Dictionary<string, string> { ["DECENTRAL_NODE__SESSION"] = "no spaces please" });

        Assert.Equal(2, await node.WaitForExitAsync(Exited));
        Assert.Contains("node:session must be 1-64 letters", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingData_ExitsTwoSayingWhatIsMissing()
    {
        using var scratch = new Scratch();
        await using var node = NodeProcess.Start(scratch.Sub("d"),
            ["run", "--data-dir", scratch.Sub("d"), "--task", "mnist", "--listen", "/ip4/127.0.0.1/tcp/0", "--set", $"learning:dataRoot={scratch.Sub("nothing")}"]);

        Assert.Equal(2, await node.WaitForExitAsync(Exited));
        Assert.Contains("learning:", node.Output, StringComparison.Ordinal);
        Assert.Contains("does not exist", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptIdentity_ExitsTwoAndLeavesTheFileUntouched()
    {
        using var scratch = new Scratch();
        var dataDir = scratch.Sub("d");
        Directory.CreateDirectory(dataDir);
        var key = Path.Combine(dataDir, "identity.key");
        byte[] garbage = [0x08, 0x01, 0x12, 0x05, 1, 2, 3, 4, 5];
        File.WriteAllBytes(key, garbage);
        await using var node = NodeProcess.Start(dataDir, Args(dataDir));

        Assert.Equal(2, await node.WaitForExitAsync(Exited));
        Assert.Contains("identity key file", node.Output, StringComparison.Ordinal);
        Assert.Contains("corrupt", node.Output, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(key));
    }

    [Fact]
    public async Task Identity_CreatedOnFirstStart_Mode0600AndSamePeerIdOnRestart()
    {
        using var scratch = new Scratch();
        var dataDir = scratch.Sub("d");
        string firstPeer;
        await using (var first = NodeProcess.Start(dataDir, Args(dataDir)))
        {
            firstPeer = PeerOf(await first.WaitForLineAsync(l => l.Contains("starting in session", StringComparison.Ordinal), Started));
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(Exited));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "identity.key")));
        await using var second = NodeProcess.Start(dataDir, Args(dataDir));
        var line = await second.WaitForLineAsync(l => l.Contains("starting in session", StringComparison.Ordinal), Started);
        Assert.Equal(firstPeer, PeerOf(line));
        Assert.Contains("identity loaded", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondProcess_OnOneDataDirectory_ExitsTwoFirstKeepsRunning()
    {
        using var scratch = new Scratch();
        var dataDir = scratch.Sub("d");
        await using var first = NodeProcess.Start(dataDir, Args(dataDir));
        await first.WaitForLineAsync(l => l.Contains("Listening on", StringComparison.Ordinal), Started);

        await using var second = NodeProcess.Start(dataDir, Args(dataDir));

        Assert.Equal(2, await second.WaitForExitAsync(Exited));
        Assert.Contains($"in use by another decentral-node process (pid {first.Pid})", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task CorruptCheckpoint_IsLoggedMovedAsideAndTheNodeStarts()
    {
        using var scratch = new Scratch();
        var dataDir = scratch.Sub("d");
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(Path.Combine(dataDir, "checkpoint.bin"), "not a checkpoint at all");
        await using var node = NodeProcess.Start(dataDir, Args(dataDir));

        await node.WaitForLineAsync(l => l.Contains("unusable", StringComparison.Ordinal), Started);
        await node.WaitForLineAsync(l => l.Contains("Founding the session", StringComparison.Ordinal), Started);
        Assert.Single(Directory.GetFiles(dataDir, "checkpoint.corrupt-*.bin"));
    }

    [Fact]
    public async Task BootstrapPeerDown_NodeKeepsRetryingAndLogsEachFailure()
    {
        using var scratch = new Scratch();
        var dataDir = scratch.Sub("d");
        var nobody = "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB";
        await using var node = NodeProcess.Start(dataDir, Args(dataDir, "--bootstrap", nobody, "--set", "network:bootstrapRetryDelay=00:00:00.1", "--set", "founding:minPeers=2"));

        await node.WaitForLineAsync(l => l.Contains("not reachable (attempt 3", StringComparison.Ordinal), Started);
        Assert.False(node.HasExited);
    }

    [Fact]
    public async Task PortInUse_ExitsOneNamingTheAddressOnce()
    {
        using var scratch = new Scratch();
        using var blocker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;
        var dataDir = scratch.Sub("d");
        await using var node = NodeProcess.Start(dataDir, ["run", "--data-dir", dataDir, "--task", "synthetic", "--listen", $"/ip4/127.0.0.1/tcp/{port}"]);

        Assert.Equal(1, await node.WaitForExitAsync(Exited));
        var errors = node.Output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains($"/ip4/127.0.0.1/tcp/{port}", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_RunningNode_LeavesWritesCheckpointExitsZero()
    {
        using var scratch = new Scratch();
        var dataDir = scratch.Sub("d");
        await using var node = NodeProcess.Start(dataDir, Args(dataDir));
        await node.WaitForLineAsync(l => l.Contains("Founding the session", StringComparison.Ordinal), Started);

        node.Terminate();

        Assert.Equal(0, await node.WaitForExitAsync(Exited));
        Assert.Contains("LEAVE advertised, checkpoint written", node.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dataDir, "checkpoint.bin")));
        Assert.Contains("\"state\": \"stopped\"", File.ReadAllText(Path.Combine(dataDir, "node.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnDataFolder_OfIdxFiles_NodeTrainsOnAllOfIt()
    {
        using var scratch = new Scratch();
        var folder = scratch.Sub("my-images");
        Directory.CreateDirectory(folder);
        var pixels = new byte[120 * 28 * 28];
        new Random(3).NextBytes(pixels);
        Decentral.Data.Tests.Kit.IdxWriter.WriteImageSet(folder, "train", pixels, [.. Enumerable.Range(0, 120).Select(i => (byte)(i % 10))], 28, 28, gzip: true);
        var dataDir = scratch.Sub("d");
        await using var node = NodeProcess.Start(dataDir,
            ["run", "--data-dir", dataDir, "--task", "mnist", "--listen", "/ip4/127.0.0.1/tcp/0", "--set", "founding:minPeers=1", "--set", $"learning:dataFolder={folder}"]);

        var line = await node.WaitForLineAsync(l => l.Contains("Learning: ", StringComparison.Ordinal), Started);

        Assert.Contains("(120 train / 120 test samples", line, StringComparison.Ordinal);
        Assert.Contains("share 0 of 1 (120 samples)", line, StringComparison.Ordinal);
        await node.WaitForLineAsync(l => l.Contains("Founding the session", StringComparison.Ordinal), Started);
    }

    [Fact]
    public void SystemdUnit_Shipped_PassesSystemdAnalyzeVerify()
    {
        using var scratch = new Scratch();
        var unit = Path.Combine(scratch.Path, "decentral-node.service");
        File.Copy(Path.Combine(NodeProcess.Repository, "configs", "decentral-node.service"), unit);
        var info = new System.Diagnostics.ProcessStartInfo("systemd-analyze", ["verify", unit]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var verify = System.Diagnostics.Process.Start(info)!;
        var errors = verify.StandardError.ReadToEnd() + verify.StandardOutput.ReadToEnd();
        verify.WaitForExit();

        Assert.True(verify.ExitCode == 0, errors);
        var text = File.ReadAllText(unit);
        Assert.Contains("Type=notify", text, StringComparison.Ordinal);
        Assert.Contains("Restart=on-failure", text, StringComparison.Ordinal);
        Assert.Contains("StateDirectory=decentral", text, StringComparison.Ordinal);
    }

    private static string PeerOf(string line)
    {
        var start = line.IndexOf("12D3KooW", StringComparison.Ordinal);
        return line[start..line.IndexOf(' ', start)];
    }
}
