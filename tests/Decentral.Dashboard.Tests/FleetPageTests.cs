using System.Globalization;
using Decentral.Dashboard.Tests.TestKit;
using OpenQA.Selenium;

namespace Decentral.Dashboard.Tests;

/// <summary>The page in a real browser against the real server: a fleet and its nodes, written live.</summary>
[Trait("Category", "Browser")]
public sealed class FleetPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private DashboardHost _host = null!;
    private SyntheticFleet _fleet = null!;

    private Browser Browser => browser.Browser;

    public async Task InitializeAsync()
    {
        _host = await DashboardHost.StartAsync();
        _fleet = new SyntheticFleet(_host.PathOf("cluster"), nodes: 5, startUnixSeconds: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10 - 50 * SyntheticFleet.SecondsPerRound);
        _fleet.WriteUntil(30);
        _fleet.Stop(4);
        _fleet.WriteUntil(50);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void FleetPage_Fleet_RendersEveryChartAndTheNodes()
    {
        Browser.Open(new Uri(_host.Url, "?run=cluster"));
        WaitForCard("round", "50");

        Assert.Equal("fleet", Browser.Text("#kind"), ignoreCase: true);
        Assert.Equal("4 / 5", Card("nodes running"));
        var marks = (IReadOnlyDictionary<string, object>)Browser.Script(
            "const o = {}; for (const s of document.querySelectorAll('#panels svg')) o[s.id] = s.querySelectorAll('path, rect, circle').length; return o;")!;
        Assert.Equal(["acc", "checks", "roles", "rpm", "running", "traffic", "view"], marks.Keys.Order());
        Assert.All(marks, m => Assert.True(Convert.ToInt64(m.Value, CultureInfo.InvariantCulture) > 0, $"chart {m.Key} drew nothing"));
        Assert.Equal(5, Browser.Driver.FindElements(By.CssSelector("#bykind .hbar")).Count);
        var rows = Browser.Driver.FindElements(By.CssSelector("#nodes tbody tr"));
        Assert.Equal(5, rows.Count);
        Assert.Contains("stopped", rows[4].Text);
    }

    [Fact]
    public void FleetPage_NodeLink_OpensTheNodePage()
    {
        Browser.Open(new Uri(_host.Url, "?run=cluster"));
        WaitForCard("round", "50");
        Browser.Driver.FindElement(By.LinkText("node-1")).Click();

        WaitForCard("state", "running");
        Assert.Equal("node", Browser.Text("#kind"), ignoreCase: true);
        Assert.Contains(_fleet.Nodes[1].PeerId, Browser.Text("#addr"));
        var marks = (IReadOnlyDictionary<string, object>)Browser.Script(
            "const o = {}; for (const s of document.querySelectorAll('#panels svg')) o[s.id] = s.querySelectorAll('path, rect, circle').length; return o;")!;
        Assert.Contains("checks", marks.Keys);
        Assert.All(marks.Where(m => m.Key != "checks"), m => Assert.True(Convert.ToInt64(m.Value, CultureInfo.InvariantCulture) > 0, $"chart {m.Key} drew nothing"));

        // Its own round checks: drawn when its rows hold some, else the chart says there are none.
        var found = _fleet.Nodes[1].Checks;
        Assert.Equal(found > 0, Convert.ToInt64(marks["checks"], CultureInfo.InvariantCulture) > 0);
        Assert.Equal(found == 0, Browser.Text("#checks").Contains("no round check found a peer", StringComparison.Ordinal));
    }

    [Fact]
    public void FleetPage_FleetBeingWritten_FillsInLive()
    {
        Browser.Open(new Uri(_host.Url, "?run=cluster&refresh=0.25"));
        WaitForCard("round", "50");

        _fleet.Restart(4);
        _fleet.WriteUntil(65);
        WaitForCard("round", "65");
        WaitForCard("nodes running", "5 / 5");
    }

    private string? Card(string name) =>
        Browser.Driver.FindElements(By.CssSelector("#cards .card")).FirstOrDefault(c => c.FindElement(By.CssSelector(".k")).Text == name)?.FindElement(By.CssSelector(".v")).Text;

    private void WaitForCard(string name, string value) =>
        Browser.WaitFor($"card '{name}' to show {value}", _ => Card(name) == value ? value : null);
}
