using Decentral.Dashboard.Tests.TestKit;

namespace Decentral.Dashboard.Tests;

/// <summary>
/// Screenshots of a run page and a fleet page (PNG). They go to $DECENTRAL_SCREENSHOTS when set
/// (scripts/dashboard-screenshots.sh sets it to docs/images, points $DECENTRAL_SCREENSHOT_RUNS
/// at real simulation runs and $DECENTRAL_SCREENSHOT_FLEET at a running loopback cluster), else
/// to a temporary folder; either way the test checks they are PNGs
/// of a page that rendered.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ScreenshotTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Screenshots_RunAndFleetPages_AreWrittenAsPng()
    {
        var output = Environment.GetEnvironmentVariable("DECENTRAL_SCREENSHOTS") is { Length: > 0 } o ? Directory.CreateDirectory(o) : Directory.CreateTempSubdirectory("decentral-screenshots-");
        var runs = Environment.GetEnvironmentVariable("DECENTRAL_SCREENSHOT_RUNS");
        await using var host = await DashboardHost.StartAsync();
        var run = "crash";
        if (runs is { Length: > 0 })
        {
            run = Environment.GetEnvironmentVariable("DECENTRAL_SCREENSHOT_RUN") ?? run;
            CopyFolder(Path.Combine(runs, run), host.PathOf(run));
        }
        else
        {
            new SyntheticRun(host.PathOf(run)).WriteUntil(273).Finish();
        }

        if (Environment.GetEnvironmentVariable("DECENTRAL_SCREENSHOT_FLEET") is { Length: > 0 } cluster)
        {
            // A real cluster's data directories (scripts/cluster.sh --out), copied while it runs.
            foreach (var node in Directory.EnumerateDirectories(cluster, "node-*"))
            {
                CopyFolder(node, Path.Combine(host.PathOf("cluster"), Path.GetFileName(node)), "telemetry.jsonl", "node.json");
            }
        }
        else
        {
            var fleet = new SyntheticFleet(host.PathOf("cluster"), nodes: 8, startUnixSeconds: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10 - 230 * SyntheticFleet.SecondsPerRound);
            fleet.WriteUntil(90);
            fleet.Stop(6);
            fleet.WriteUntil(150);
            fleet.Restart(6);
            fleet.WriteUntil(230);
        }

        Shoot(host, $"?run={run}", "status", "round", Path.Combine(output.FullName, "dashboard-run.png"));
        Shoot(host, "?run=cluster", "status", "round", Path.Combine(output.FullName, "dashboard-fleet.png"));
        if (Environment.GetEnvironmentVariable("DECENTRAL_SCREENSHOTS") is not { Length: > 0 })
        {
            output.Delete(recursive: true);
        }
    }

    private void Shoot(DashboardHost host, string query, string id, string contains, string path)
    {
        browser.Browser.Open(new Uri(host.Url, query));
        browser.Browser.WaitFor($"{query} to render", _ => browser.Browser.Text("#" + id).Contains(contains) ? "ok" : null);
        var png = browser.Browser.FullPageScreenshot();
        Assert.True(png.Length > 20_000, $"{path}: {png.Length} bytes is too small for a rendered page");
        Assert.Equal(PngSignature, png[..8]);
        File.WriteAllBytes(path, png);
    }

    // Copies the files of one folder (only the named ones when names are given: a node's data
    // directory also holds its identity key and checkpoint, which the dashboard never reads).
    private static void CopyFolder(string from, string to, params string[] names)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            if (names.Length == 0 || names.Contains(Path.GetFileName(file)))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }
    }
}
