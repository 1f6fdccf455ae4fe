using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Decentral.Dashboard.Tests;

public sealed class DashboardTests : IDisposable
{
    private const string Row1 = """{"round":2,"time_s":8.5,"sample":[1,2],"aggregators":[3],"online":10,"bytes":{"ping":1},"total_bytes":100,"view_bytes":5,"full_view_bytes":20,"accuracy":0.4}""";
    private const string Row2 = """{"round":3,"time_s":17,"sample":[4,5],"aggregators":[1],"online":9,"bytes":{"ping":2},"total_bytes":200,"view_bytes":9,"full_view_bytes":40}""";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("decentral-dashboard-");

    public DashboardTests()
    {
        var finished = Directory.CreateDirectory(Path.Combine(_root.FullName, "done"));
        File.WriteAllText(Path.Combine(finished.FullName, "telemetry.jsonl"), Row1 + "\n" + Row2 + "\n");
        File.WriteAllText(Path.Combine(finished.FullName, "summary.json"), """{"rounds":3}""");
        var running = Directory.CreateDirectory(Path.Combine(_root.FullName, "running"));
        // The last line is still being written: no newline yet.
        File.WriteAllText(Path.Combine(running.FullName, "telemetry.jsonl"), Row1 + "\n" + Row2[..20]);
        Directory.CreateDirectory(Path.Combine(_root.FullName, "empty-folder"));
    }

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Store_FinishedRun_ReturnsAllRowsAsJsonArray()
    {
        var store = new TelemetryStore(_root.FullName);
        using var rows = JsonDocument.Parse(store.Telemetry("done", 0)!);
        Assert.Equal(2, rows.RootElement.GetArrayLength());
        Assert.Equal(3, rows.RootElement[1].GetProperty("round").GetInt32());
    }

    [Fact]
    public void Store_From_SkipsRowsAlreadySeen()
    {
        var store = new TelemetryStore(_root.FullName);
        using var rows = JsonDocument.Parse(store.Telemetry("done", 1)!);
        Assert.Equal(1, rows.RootElement.GetArrayLength());
        Assert.Equal(3, rows.RootElement[0].GetProperty("round").GetInt32());
    }

    [Fact]
    public void Store_RunBeingWritten_LeavesThePartialLineForLater()
    {
        var store = new TelemetryStore(_root.FullName);
        using var rows = JsonDocument.Parse(store.Telemetry("running", 0)!);
        Assert.Equal(1, rows.RootElement.GetArrayLength());
        Assert.Null(store.Summary("running"));
    }

    [Fact]
    public void Store_Runs_ListsOnlyFoldersWithTelemetry()
    {
        var runs = new TelemetryStore(_root.FullName).Runs();
        Assert.Equal(["done", "running"], runs.Select(r => r.Name).Order());
        Assert.True(runs.Single(r => r.Name == "done").Finished);
        Assert.False(runs.Single(r => r.Name == "running").Finished);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("bad name")]
    public void Store_UnsafeName_IsNoRun(string name)
    {
        var store = new TelemetryStore(_root.FullName);
        Assert.False(TelemetryStore.IsValidName(name));
        Assert.Null(store.Telemetry(name, 0));
        Assert.Null(store.Summary(name));
    }

    [Fact]
    public async Task Server_OverHttp_ServesPageRunsTelemetryAndSummary()
    {
        var port = FreePort();
        await using var server = new DashboardServer(new TelemetryStore(_root.FullName), port);
        Assert.True(server.Start(out var error), error);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromSeconds(20) };

        var page = await http.GetStringAsync("/");
        Assert.Contains("<svg id=\"acc\">", page);

        using var runs = JsonDocument.Parse(await http.GetStringAsync("/api/runs"));
        Assert.Equal(2, runs.RootElement.GetArrayLength());

        using var rows = JsonDocument.Parse(await http.GetStringAsync("/api/runs/done/telemetry?from=1"));
        Assert.Equal(1, rows.RootElement.GetArrayLength());

        Assert.Equal("""{"rounds":3}""", await http.GetStringAsync("/api/runs/done/summary"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/runs/running/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/runs/nope/telemetry")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/whatever")).StatusCode);
        using var post = await http.PostAsync("/api/runs", new StringContent("x", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
