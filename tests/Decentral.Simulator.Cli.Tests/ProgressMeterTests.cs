using Decentral.Simulator.Runner;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Simulator.Cli.Tests;

public sealed class ProgressMeterTests
{
    private const long Second = 1_000_000;

    [Fact]
    public void Eta_StopsOnTime_WallPerVirtualSecondTimesTheTimeLeft()
    {
        var time = new FakeTimeProvider();
        var meter = new ProgressMeter(time);
        time.Advance(TimeSpan.FromSeconds(10));

        // 100 of 1000 virtual seconds in 10 s wall; 3 of 100000 rounds: the time limit comes first.
        var eta = meter.Eta(new RunProgress(3, 100_000, 100 * Second, 50, 1000 * Second));

        Assert.Equal(TimeSpan.FromSeconds(90), eta);
    }

    [Fact]
    public void Eta_StopsOnRounds_ProjectsTheRoundsAtTheirRate()
    {
        var time = new FakeTimeProvider();
        var meter = new ProgressMeter(time);
        time.Advance(TimeSpan.FromSeconds(20));

        // 25 of 100 rounds in 200 virtual s: the rounds end at 800 s, well before stop.time 7200 s.
        var eta = meter.Eta(new RunProgress(25, 100, 200 * Second, 50, 7200 * Second));

        Assert.Equal(TimeSpan.FromSeconds(60), eta);
    }

    [Fact]
    public void Eta_NoVirtualTimeYet_Unknown()
    {
        var meter = new ProgressMeter(new FakeTimeProvider());

        Assert.Null(meter.Eta(new RunProgress(0, 100, 0, 10, 3600 * Second)));
        Assert.EndsWith("ETA -", meter.Describe(new RunProgress(0, 100, 0, 10, 3600 * Second)));
    }

    [Fact]
    public void Line_PercentRoundsTimeOnlineAndEta()
    {
        var time = new FakeTimeProvider();
        var meter = new ProgressMeter(time);
        time.Advance(TimeSpan.FromSeconds(30));

        var line = meter.Line(new RunProgress(135, 100_000, 900 * Second, 45, 1800 * Second));

        Assert.Equal("[ 50%] round 135/100000, t=900/1800 s, online 45, ETA 0:00:30", line);
    }

    [Fact]
    public void PlainProgress_OneLinePerStep()
    {
        var output = new StringWriter();
        var plain = new PlainProgress(output, new ProgressMeter(new FakeTimeProvider()), step: 10);

        foreach (var t in new[] { 1, 5, 9, 10, 12, 19, 20, 55, 100 })
        {
            plain.Report(new RunProgress(0, 1000, t * Second, 5, 100 * Second));
        }

        Assert.Equal(["[  1%]", "[ 10%]", "[ 20%]", "[ 55%]", "[100%]"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..6]));
    }
}
