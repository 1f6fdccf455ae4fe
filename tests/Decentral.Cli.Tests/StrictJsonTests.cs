using System.Text.Json;
using System.Text.Json.Serialization;

namespace Decentral.Cli.Tests;

public sealed class StrictJsonTests
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    [JsonConverter(typeof(JsonStringEnumConverter<Colour>))]
    public enum Colour
    {
        Red,
        DarkBlue,
    }

    public sealed class Inner
    {
        public int Size { get; set; } = 3;

        public TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(1);
    }

    public sealed class Item
    {
        public Colour Colour { get; set; }

        public int? Limit { get; set; }
    }

    public sealed class Outer
    {
        public string Name { get; set; } = "x";

        public string? Note { get; set; }

        public double Ratio { get; set; } = 0.5;

        public Inner Inner { get; set; } = new();

        public List<Item> Items { get; set; } = [];

        public Inner Fixed { get; } = new();
    }

    private static StrictJsonResult<Outer> Read(string json) => StrictJson.Read<Outer>(json, Options);

    [Fact]
    public void Valid_EveryFieldSet_NoProblems()
    {
        var read = Read("""{ "name": "a", "note": null, "ratio": 2, "inner": { "size": 7, "wait": "00:00:05" }, "items": [ { "colour": "darkBlue", "limit": 4 } ], "fixed": { "size": 9 }, }""");

        Assert.Empty(read.Problems);
        var value = read.Value!;
        Assert.Equal(("a", 2.0, 7, TimeSpan.FromSeconds(5), 9), (value.Name, value.Ratio, value.Inner.Size, value.Inner.Wait, value.Fixed.Size));
        Assert.Equal(Colour.DarkBlue, Assert.Single(value.Items).Colour);
        Assert.Contains("$.inner.size", read.Present);
        Assert.DoesNotContain("$.inner.wait", Read("{}").Present);
    }

    [Fact]
    public void UnknownFields_EveryOneReportedWithTheNearestName()
    {
        var read = Read("""{ "nmae": "a", "inner": { "sise": 1, "wiat": "00:00:01" }, "items": [ { "color": "red" } ], "zebra": 1 }""");

        Assert.Equal(
        [
            "$.nmae: unknown field; did you mean name?",
            "$.inner.sise: unknown field; did you mean size?",
            "$.inner.wiat: unknown field; did you mean wait?",
            "$.items[0].color: unknown field; did you mean colour?",
            "$.zebra: unknown field (the fields here: name, note, ratio, inner, items, fixed).",
        ], read.Problems.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("""{ "items": [ { "colour": "blue" } ] }""", "$.items[0].colour: must be one of red, darkBlue (got \"blue\").")]
    [InlineData("""{ "items": [ { "colour": "rde" } ] }""", "$.items[0].colour: must be one of red, darkBlue (got \"rde\"); did you mean red?")]
    [InlineData("""{ "items": [ { "colour": 9 } ] }""", "$.items[0].colour: must be one of red, darkBlue (got 9).")]
    [InlineData("""{ "inner": { "size": "big" } }""", "$.inner.size: must be a whole number (got \"big\").")]
    [InlineData("""{ "inner": { "size": 1.5 } }""", "$.inner.size: must be a whole number (got 1.5).")]
    [InlineData("""{ "inner": { "wait": "5s" } }""", "$.inner.wait: must be a duration \"hh:mm:ss\" (e.g. \"00:05:00\"; \"1.00:00:00\" is a day) (got \"5s\").")]
    [InlineData("""{ "ratio": true }""", "$.ratio: must be a number (got true).")]
    [InlineData("""{ "name": null }""", "$.name: must be a string (got null).")]
    [InlineData("""{ "inner": null }""", "$.inner: must be an object { ... } (got null).")]
    [InlineData("""{ "inner": 3 }""", "$.inner: must be an object { ... } (got 3).")]
    [InlineData("""{ "items": [ 1 ] }""", "$.items[0]: must be an object { ... } (got 1).")]
    [InlineData("""{ "items": { } }""", "$.items: must be a list [ ... ] (got an object).")]
    public void BadValue_PathValueAndWhatWasExpected(string json, string expected) =>
        Assert.Equal(expected, Assert.Single(Read(json).Problems).ToString());

    [Fact]
    public void BadValues_AllReportedAndTheRestStillRead()
    {
        var read = Read("""{ "name": 1, "ratio": "x", "inner": { "size": 8 } }""");

        Assert.Equal(["$.name", "$.ratio"], read.Problems.Select(p => p.Path));
        Assert.Equal(8, read.Value!.Inner.Size);
        Assert.Equal(0.5, read.Value.Ratio);
        Assert.Equal(["$.name", "$.ratio"], read.BadPaths.Order());
    }

    [Theory]
    [InlineData("{ \"name\": \"a\",\n  \"ratio\": 1\n  \"note\": \"b\" }", "line 3, column 3")]
    [InlineData("{ \"name\": \"a\"", "line 1, column 14")]
    public void InvalidJson_OnePosition(string json, string position)
    {
        var problem = Assert.Single(Read(json).Problems).ToString();

        Assert.StartsWith($"$: invalid JSON at {position}: ", problem);
        Assert.DoesNotContain("LineNumber", problem);
        Assert.DoesNotContain("BytePosition", problem);
        Assert.Null(Read(json).Value);
    }

    [Fact]
    public void NotAnObject_SaysSo() =>
        Assert.Equal("$: must be a JSON object { ... } (got a list).", Assert.Single(Read("[1, 2]").Problems).ToString());
}
