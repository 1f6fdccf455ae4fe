using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Decentral.Dashboard.Tests.TestKit;

namespace Decentral.Dashboard.Tests;

/// <summary>The HTTP API of the real server (Kestrel on a free loopback port).</summary>
public sealed class ServerTests : IAsyncLifetime
{
    private DashboardHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await DashboardHost.StartAsync();
        var done = new SyntheticRun(_host.PathOf("done")).WriteUntil(3);
        done.Finish();
        var running = new SyntheticRun(_host.PathOf("running")).WriteUntil(2);
        // The last line is still being written: no newline yet.
        File.AppendAllText(running.TelemetryPath, SyntheticRun.Row(3).ToJson()[..20]);
        Directory.CreateDirectory(_host.PathOf("empty-folder"));
        new SyntheticFleet(_host.PathOf("cluster"), nodes: 3, startUnixSeconds: 1_800_000_000).WriteUntil(6);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Server_Page_ServesTheHtmlAndItsScripts()
    {
        var page = await _host.Http.GetAsync("/");
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        foreach (var asset in new[] { "app.css", "charts.js", "views.js", "app.js" })
        {
            Assert.Contains(asset, html);
            Assert.Equal(HttpStatusCode.OK, (await _host.Http.GetAsync("/" + asset)).StatusCode);
        }

        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Server_Runs_ListsRunsFleetsAndNodesForWhatTheyAre()
    {
        using var runs = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs"));
        var kinds = runs.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("kind").GetString());
        Assert.Equal(new Dictionary<string, string?>
        {
            ["done"] = "run", ["running"] = "run", ["cluster"] = "fleet",
            ["cluster/node-0"] = "node", ["cluster/node-1"] = "node", ["cluster/node-2"] = "node",
        }, kinds);
        var done = runs.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "done");
        Assert.True(done.GetProperty("finished").GetBoolean());
        var cluster = runs.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "cluster");
        Assert.Equal(3, cluster.GetProperty("nodes").GetInt32());
    }

    [Fact]
    public async Task Server_Telemetry_ReturnsCompleteRowsFromTheIndexAsked()
    {
        using var all = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs/done/telemetry"));
        Assert.Equal(2, all.RootElement.GetProperty("total").GetInt32());
        using var later = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs/done/telemetry?from=1"));
        Assert.Equal(3, later.RootElement.GetProperty("rows").EnumerateArray().Single().GetProperty("round").GetInt32());
        using var partial = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs/running/telemetry"));
        Assert.Equal(1, partial.RootElement.GetProperty("total").GetInt32());
        using var node = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs/cluster/node-1/telemetry"));
        Assert.All(node.RootElement.GetProperty("rows").EnumerateArray(), r => Assert.StartsWith("12D3KooW", r.GetProperty("node").GetString()));
    }

    [Fact]
    public async Task Server_Summary_OnlyForFinishedRuns()
    {
        Assert.Equal("""{"rounds":3}""", await _host.Http.GetStringAsync("/api/runs/done/summary"));
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.GetAsync("/api/runs/running/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.GetAsync("/api/runs/cluster/summary")).StatusCode);
    }

    [Fact]
    public async Task Server_View_MergesTheFleetAndShowsOneNode()
    {
        using var fleet = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs/cluster/view"));
        Assert.Equal("fleet", fleet.RootElement.GetProperty("kind").GetString());
        Assert.Equal(3, fleet.RootElement.GetProperty("nodes").GetArrayLength());
        Assert.Equal(5, fleet.RootElement.GetProperty("rounds").GetArrayLength());
        using var node = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/runs/cluster/node-2/view"));
        Assert.Equal("node", node.RootElement.GetProperty("kind").GetString());
        Assert.Equal("cluster/node-2", node.RootElement.GetProperty("nodes")[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.GetAsync("/api/runs/done/view")).StatusCode);
    }

    [Theory]
    [InlineData("/api/runs/nonexistent/telemetry")]
    [InlineData("/api/runs/cluster/node-9/view")]
    [InlineData("/api/runs/empty-folder/telemetry")]
    [InlineData("/api/runs/..%2F..%2Fetc/telemetry")]
    public async Task Server_UnknownRun_Is404NamingItAndListingWhatThereIs(string path)
    {
        var response = await _host.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.NotEmpty(body.RootElement.GetProperty("error").GetString()!);
        Assert.Contains("done", body.RootElement.GetProperty("available").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Server_OtherPathsAndMethods_AreRefused()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.GetAsync("/api/whatever")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.GetAsync("/secrets.txt")).StatusCode);
        using var post = await _host.Http.PostAsync("/api/runs", new StringContent("x", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task Server_TenMegabyteUrl_IsRefusedWithoutEchoingIt()
    {
        var (status, length) = await RawGetAsync(_host.Url, "/api/runs/" + new string('a', 10 * 1024 * 1024) + "/telemetry");

        Assert.StartsWith("HTTP/1.1 414", status);
        Assert.True(length < 4096, $"the refusal is {length} bytes long");
    }

    // HttpClient cannot send a URL this long (System.Uri caps it), so the request goes over a socket.
    internal static async Task<(string Status, long Length)> RawGetAsync(Uri server, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var request = Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n\r\n");
        var sending = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(request);
            }
            catch (IOException)
            {
                // The server may close the connection before the whole request is sent.
            }
        });
        using var response = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30))) > 0 && response.Length < 64L * 1024 * 1024)
            {
                response.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the response is the server closing a connection it refused.
        }

        await sending;
        var text = Encoding.ASCII.GetString(response.GetBuffer(), 0, (int)Math.Min(response.Length, 200));
        return (text.Split("\r\n")[0], response.Length);
    }
}
