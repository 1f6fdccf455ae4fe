namespace Decentral.Cli.Tests;

public sealed class SuggestionsTests
{
    private static readonly string[] Fields = ["sampleSize", "aggregators", "successFraction", "pingTimeout", "minModels"];

    [Theory]
    [InlineData("sampelSize", "sampleSize")]
    [InlineData("samplesize", "sampleSize")]
    [InlineData("aggregator", "aggregators")]
    [InlineData("pingTimout", "pingTimeout")]
    [InlineData("minmodel", "minModels")]
    public void Nearest_Misspelt_FindsTheName(string word, string expected) =>
        Assert.Equal(expected, Suggestions.Nearest(word, Fields));

    [Theory]
    [InlineData("--cont", "--count")]
    [InlineData("--cou", "--count")]
    [InlineData("--nodez", "--nodes")]
    public void Nearest_Options_KeepTheDashes(string word, string expected) =>
        Assert.Equal(expected, Suggestions.Nearest(word, ["--count", "--nodes", "--listen"]));

    [Theory]
    [InlineData("zebra")]
    [InlineData("x")]
    [InlineData("timeout")]
    public void Nearest_NothingClose_Null(string word) => Assert.Null(Suggestions.Nearest(word, Fields));

    [Fact]
    public void DidYouMean_NothingClose_Empty() => Assert.Equal("", Suggestions.DidYouMean("zebra", Fields));

    [Theory]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "acb", 1)]
    [InlineData("abc", "ABD", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    public void Distance_Examples(string a, string b, int expected) => Assert.Equal(expected, Suggestions.Distance(a, b));
}
