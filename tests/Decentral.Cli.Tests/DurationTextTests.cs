namespace Decentral.Cli.Tests;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120000)]
    [InlineData("1h", 3600000)]
    [InlineData("1.5", 1500)]
    public void TryParse_Units(string text, int milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("")]
    [InlineData("5 s")]
    public void TryParse_NotADuration_False(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    [InlineData(100, "100ms")]
    [InlineData(30000, "30s")]
    [InlineData(90000, "90s")]
    [InlineData(120000, "2m")]
    [InlineData(7200000, "2h")]
    [InlineData(0, "0s")]
    public void Format_ReadsBack(int milliseconds, string expected)
    {
        var text = DurationText.Format(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, text);
        Assert.True(DurationText.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), back);
    }
}
