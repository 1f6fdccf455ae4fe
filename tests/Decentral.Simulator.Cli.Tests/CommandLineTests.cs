namespace Decentral.Simulator.Cli.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Seeds_DefaultsToOne()
    {
        var cmd = CommandLine.Parse(["reproduce", "--quick"]);

        Assert.Null(cmd.Error);
        Assert.Equal(1, cmd.Seeds);
    }

    [Fact]
    public void Seeds_Valid_IsParsed()
    {
        var cmd = CommandLine.Parse(["reproduce", "--quick", "--seeds", "5", "--only", "mnist-dir0.1"]);

        Assert.Null(cmd.Error);
        Assert.Equal("reproduce", cmd.Verb);
        Assert.Equal(5, cmd.Seeds);
        Assert.Equal("mnist-dir0.1", cmd.Only);
        Assert.True(cmd.Quick);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("three")]
    [InlineData("1.5")]
    public void Seeds_Invalid_IsAnError(string value)
    {
        var cmd = CommandLine.Parse(["reproduce", "--seeds", value]);

        Assert.Equal("--seeds needs a whole number of seeds, 1 or more.", cmd.Error);
    }

    [Fact]
    public void Seeds_MissingValue_IsAnError()
    {
        var cmd = CommandLine.Parse(["reproduce", "--seeds"]);

        Assert.Equal("--seeds needs a whole number of seeds, 1 or more.", cmd.Error);
    }
}
