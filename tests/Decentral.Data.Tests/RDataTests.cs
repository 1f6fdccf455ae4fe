using Decentral.Data.RData;
using Decentral.Data.Tests.Kit;

namespace Decentral.Data.Tests;

public sealed class RDataTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static RList SampleFrame(bool altrepRowNames) => RXdrWriter.DataFrame(
        3,
        altrepRowNames,
        ("id", new RInteger([7, RInteger.NA, 9])),
        ("score", new RReal([0.5, -2, 1e10])),
        ("title", new RString(["Amélie", null, "Heat"])),
        ("genre", RXdrWriter.Factor([2, 1, 2], "Crime", "Drama")),
        ("seen", new RLogical([1, 0, RInteger.NA])));

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void Read_DataFrame_DecodesEveryColumnAndAttribute(int version, bool altrepRowNames)
    {
        var value = RSerializationReader.Read(RXdrWriter.Serialize(SampleFrame(altrepRowNames), version));

        var list = Assert.IsType<RList>(value);
        Assert.True(list.Inherits("data.frame"));
        Assert.Equal(new string?[] { "id", "score", "title", "genre", "seen" }, list.Names);
        Assert.Equal([7, RInteger.NA, 9], Assert.IsType<RInteger>(list.Element("id")).Values);
        Assert.Equal([0.5, -2, 1e10], Assert.IsType<RReal>(list.Element("score")).Values);
        Assert.Equal(new string?[] { "Amélie", null, "Heat" }, Assert.IsType<RString>(list.Element("title")).Values);
        Assert.Equal([1, 0, RInteger.NA], Assert.IsType<RLogical>(list.Element("seen")).Values);
        var rowNames = Assert.IsType<RInteger>(list.Attribute("row.names")).Values;
        Assert.Equal(altrepRowNames ? [1, 2, 3] : [RInteger.NA, -3], rowNames);

        var frame = RDataFrame.From(value);
        Assert.Equal(3, frame.RowCount);
        Assert.Equal(new string?[] { "Drama", "Crime", "Drama" }, frame.Strings("genre"));
        Assert.Equal([0.5, -2, 1e10], frame.Doubles("score"));
    }

    [Fact]
    public void Read_RepeatedSymbols_ResolvesBackReferences()
    {
        // "names" and "class" are written once and then referred back to by index.
        var nested = RXdrWriter.NamedList(
            "outer",
            ("a", RXdrWriter.NamedList("inner", ("x", new RInteger([1])))),
            ("b", RXdrWriter.NamedList("inner", ("y", new RInteger([2])))));

        var value = Assert.IsType<RList>(RSerializationReader.Read(RXdrWriter.Serialize(nested)));

        Assert.Equal(new string?[] { "outer" }, value.ClassNames);
        var b = Assert.IsType<RList>(value.Element("b"));
        Assert.Equal(new string?[] { "inner" }, b.ClassNames);
        Assert.Equal([2], Assert.IsType<RInteger>(b.Element("y")).Values);
    }

    [Fact]
    public void Read_EveryTruncation_FailsAsCorrupt()
    {
        var bytes = RXdrWriter.Serialize(SampleFrame(altrepRowNames: true));

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var prefix = bytes[..cut];
            Assert.Throws<CorruptDataException>(() => RSerializationReader.Read(prefix));
        }
    }

    [Theory]
    [InlineData(new byte[] { (byte)'A', (byte)'\n', 0, 0, 0, 3 }, "XDR")]
    [InlineData(new byte[] { (byte)'X', (byte)'\n', 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0 }, "version 4")]
    [InlineData(new byte[] { (byte)'X', (byte)'\n', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99 }, "unknown R object type 99")]
    [InlineData(new byte[] { (byte)'X', (byte)'\n', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255 }, "reference 1")]
    public void Read_InvalidStream_NamesTheProblem(byte[] bytes, string expected)
    {
        var error = Assert.Throws<CorruptDataException>(() => RSerializationReader.Read(bytes));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Read_NestingBeyondLimit_IsCorruptNotAStackOverflow()
    {
        RObject nested = new RInteger([1]);
        for (var i = 0; i < 600; i++)
        {
            nested = new RList([nested]);
        }

        var error = Assert.Throws<CorruptDataException>(() => RSerializationReader.Read(RXdrWriter.Serialize(nested)));
        Assert.Contains("nested deeper", error.Message);
    }

    [Fact]
    public void Read_TrailingBytes_IsCorrupt()
    {
        byte[] bytes = [.. RXdrWriter.Serialize(new RInteger([1])), 0];
        Assert.Contains("left after", Assert.Throws<CorruptDataException>(() => RSerializationReader.Read(bytes)).Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void LazyLoadDatabase_WrittenLikeR_ReadsEachObjectByName(int version)
    {
        var rdx = LazyLoadDbWriter.Write(
            folder.Path, "Rdata", version, ("first", new RInteger([1, 2])), ("frame", SampleFrame(false)), ("pi", new RReal([3.14])));

        var db = RLazyLoadDatabase.Open(rdx).Value;

        Assert.Equal(["first", "frame", "pi"], db.ObjectNames);
        Assert.Equal([3.14], Assert.IsType<RReal>(db.Read("pi").Value).Values);
        Assert.Equal(3, RDataFrame.From(db.Read("frame").Value).RowCount);
        Assert.Equal([1, 2], Assert.IsType<RInteger>(db.Read("first").Value).Values);
    }

    [Fact]
    public void LazyLoadDatabase_UnknownObject_IsCorruptErrorNamingIt()
    {
        var db = RLazyLoadDatabase.Open(LazyLoadDbWriter.Write(folder.Path, "Rdata", 3, ("a", new RInteger([1])))).Value;

        var error = db.Read("movielens").Error!;

        Assert.Equal(DataErrorKind.Corrupt, error.Kind);
        Assert.Contains("no object named 'movielens'", error.Detail);
    }

    [Fact]
    public void LazyLoadDatabase_MissingHalf_IsMissingError()
    {
        var rdx = LazyLoadDbWriter.Write(folder.Path, "Rdata", 3, ("a", new RInteger([1])));
        File.Delete(Path.ChangeExtension(rdx, ".rdb"));

        var error = RLazyLoadDatabase.Open(rdx).Error!;

        Assert.Equal(DataErrorKind.Missing, error.Kind);
        Assert.EndsWith("Rdata.rdb", error.Path);
        Assert.Contains("scripts/fetch-data.sh", error.Message);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped")]
    [InlineData("length")]
    [InlineData("huge")]
    public void LazyLoadDatabase_DamagedObject_IsCorrupt(string damage)
    {
        var rdx = LazyLoadDbWriter.Write(folder.Path, "Rdata", 3, ("frame", SampleFrame(false)));
        var rdb = Path.ChangeExtension(rdx, ".rdb");
        var bytes = File.ReadAllBytes(rdb);
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..^10];
                break;
            case "flipped":
                bytes[bytes.Length / 2] ^= 0xFF;
                break;
            case "huge":
                bytes[0] = 0x7F; // declares about 2 GB of output
                break;
            default:
                bytes[3] ^= 0x01; // declared uncompressed length off by one
                break;
        }

        File.WriteAllBytes(rdb, bytes);

        var result = RLazyLoadDatabase.Open(rdx).Then(db => db.Read("frame"));

        Assert.Equal(DataErrorKind.Corrupt, result.Error!.Kind);
        Assert.True(damage != "huge" || result.Error.Detail.Contains("impossible"), result.Error.Detail);
    }

    [Fact]
    public void LazyLoadDatabase_IndexNotAnRSerialization_IsCorrupt()
    {
        var rdx = LazyLoadDbWriter.Write(folder.Path, "Rdata", 3, ("a", new RInteger([1])));
        File.WriteAllBytes(rdx, IdxWriter.Gzip("not R"u8.ToArray()));

        Assert.Equal(DataErrorKind.Corrupt, RLazyLoadDatabase.Open(rdx).Error!.Kind);
    }
}
