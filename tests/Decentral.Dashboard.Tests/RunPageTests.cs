using System.Globalization;
using System.Text.RegularExpressions;
using Decentral.Dashboard.Tests.TestKit;
using OpenQA.Selenium;

namespace Decentral.Dashboard.Tests;

/// <summary>The page in a real browser against the real server: simulation runs.</summary>
[Trait("Category", "Browser")]
public sealed partial class RunPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private DashboardHost _host = null!;

    private Browser Browser => browser.Browser;

    public async Task InitializeAsync()
    {
        _host = await DashboardHost.StartAsync();
        // The crash experiment's shape: 273 rounds (rows 2..273).
        new SyntheticRun(_host.PathOf("crash")).WriteUntil(273).Finish();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void RunPage_FinishedRun_RendersEveryChartWithData()
    {
        Browser.Open(new Uri(_host.Url, "?run=crash"));
        WaitForRound(273);

        var marks = (IReadOnlyDictionary<string, object>)Browser.Script(
            "const o = {}; for (const s of document.querySelectorAll('#panels svg')) o[s.id] = s.querySelectorAll('path, rect, circle').length; return o;")!;
        Assert.Equal(["acc", "checks", "kinds", "online", "samples", "traffic"], marks.Keys.Order());
        Assert.All(marks, m => Assert.True(Convert.ToInt64(m.Value, CultureInfo.InvariantCulture) > 0, $"chart {m.Key} drew nothing"));
        Assert.Contains("finished", Browser.Text("#status"));
    }

    [Fact]
    public void RunPage_HeaderAndRoundCard_ShowTheSameRound()
    {
        Browser.Open(new Uri(_host.Url, "?run=crash"));
        var card = WaitForRound(273);

        var header = FirstNumber().Match(Browser.Text("#status"));
        Assert.True(header.Success, $"the header names no round: {Browser.Text("#status")}");
        Assert.Equal(card, long.Parse(header.Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RunPage_XAxes_EndWhereTheDataEnds()
    {
        Browser.Open(new Uri(_host.Url, "?run=crash"));
        WaitForRound(273);

        // Per chart: how far right the data reaches, as a share of the plot's width (grid lines span the plot).
        var reach = (IReadOnlyDictionary<string, object>)Browser.Script("""
            const o = {};
            for (const s of document.querySelectorAll('svg')) {
              const grid = [...s.querySelectorAll('line')].filter(l => l.getAttribute('y1') === l.getAttribute('y2'));
              const left = Math.min(...grid.map(l => +l.getAttribute('x1'))), right = Math.max(...grid.map(l => +l.getAttribute('x2')));
              const data = [...s.querySelectorAll('path, rect, circle')].map(e => { const b = e.getBBox(); return b.x + b.width; });
              o[s.id] = (Math.max(...data) - left) / (right - left);
            }
            return o;
            """)!;
        Assert.NotEmpty(reach);
        Assert.All(reach, r => Assert.True(Convert.ToDouble(r.Value, CultureInfo.InvariantCulture) >= 0.97,
            $"chart {r.Key}: the data ends at {Convert.ToDouble(r.Value, CultureInfo.InvariantCulture):P0} of the x-axis"));
    }

    [Fact]
    public void RunPage_UnknownRun_SaysItDoesNotExistAndListsTheRuns()
    {
        new SyntheticRun(_host.PathOf("quickstart")).WriteUntil(10);
        Browser.Open(new Uri(_host.Url, "?run=nonexistent"));

        var notice = Browser.WaitFor("the not-found notice", d => d.FindElement(By.Id("notice")) is { Displayed: true } n && n.Text.Contains("does not exist") ? n.Text : null);
        Assert.Contains("nonexistent", notice);
        Assert.Contains("crash", notice);
        Assert.Contains("quickstart", notice);
        Assert.Empty(Browser.Driver.FindElements(By.CssSelector("#cards .card")));
    }

    [Fact]
    public void RunPage_RunBeingWritten_FillsInLive()
    {
        var run = new SyntheticRun(_host.PathOf("live")).WriteUntil(20);
        Browser.Open(new Uri(_host.Url, "?run=live&refresh=0.25"));
        WaitForRound(20);
        Assert.Contains("live", Browser.Text("#status"));

        run.WriteUntil(60);
        WaitForRound(60);
        run.Finish();
        Browser.WaitFor("the run to show as finished", d => Browser.Text("#status").Contains("finished") ? "finished" : null);
    }

    private long WaitForRound(long round) => long.Parse(Browser.WaitFor($"the round card to show {round}", _ =>
        Browser.Driver.FindElements(By.CssSelector("#cards .card")).FirstOrDefault(c => c.FindElement(By.CssSelector(".k")).Text == "round") is { } card
        && card.FindElement(By.CssSelector(".v")).Text is var shown && shown == round.ToString(CultureInfo.InvariantCulture) ? shown : null), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\d+")]
    private static partial Regex FirstNumber();
}
