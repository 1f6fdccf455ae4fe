using Decentral.Dashboard.Sources;
using Decentral.Dashboard.Tests.TestKit;

namespace Decentral.Dashboard.Tests;

/// <summary>Finding runs, nodes and fleets, and reading telemetry files as they grow.</summary>
public sealed class SourceTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("decentral-sources-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Log_GrowingFile_ReadsOnlyCompleteNewLines()
    {
        var run = new SyntheticRun(Path.Combine(_root.FullName, "r")).WriteUntil(5);
        var log = new TelemetryLog(run.TelemetryPath);
        Assert.Equal(4, log.Lines(0).Total);

        File.AppendAllText(run.TelemetryPath, SyntheticRun.Row(6).ToJson()[..30]);
        Assert.Equal(4, log.Lines(0).Total);
        File.AppendAllText(run.TelemetryPath, SyntheticRun.Row(6).ToJson()[30..] + "\nnot json\n");

        var (lines, total) = log.Lines(4);
        Assert.Equal(5, total);
        Assert.Equal(SyntheticRun.Row(6).ToJson(), Assert.Single(lines));
        Assert.Equal(6, log.Rows()[^1].Round);
    }

    [Fact]
    public void Log_FileReplacedByANewRun_IsReadAgainFromTheStart()
    {
        var path = Path.Combine(_root.FullName, "t.jsonl");
        File.WriteAllLines(path, [SyntheticRun.Row(2).ToJson(), SyntheticRun.Row(3).ToJson(), SyntheticRun.Row(4).ToJson()]);
        var log = new TelemetryLog(path);
        Assert.Equal(3, log.Lines(0).Total);

        // A new run in the same folder: different first line, already longer than what was read.
        File.WriteAllLines(path, [.. Enumerable.Range(10, 5).Select(r => SyntheticRun.Row(r).ToJson())]);

        Assert.Equal([10L, 11, 12, 13, 14], log.Rows().Select(r => r.Round));
        Assert.Equal(1, log.Generation);
    }

    [Fact]
    public void Log_MissingFile_IsEmpty()
    {
        var log = new TelemetryLog(Path.Combine(_root.FullName, "nothing.jsonl"));
        Assert.Equal(0, log.Lines(0).Total);
        Assert.Empty(log.Rows());
    }

    [Fact]
    public void Catalog_Folders_AreRunsNodesAndFleetsWithNodesInNaturalOrder()
    {
        new SyntheticRun(Path.Combine(_root.FullName, "sim")).WriteUntil(3);
        new SyntheticFleet(Path.Combine(_root.FullName, "cluster"), nodes: 11, startUnixSeconds: 1_800_000_000);
        new SyntheticFleet(Path.Combine(_root.FullName, "solo-parent"), nodes: 1, startUnixSeconds: 1_800_000_000);
        Directory.Move(Path.Combine(_root.FullName, "solo-parent", "node-0"), Path.Combine(_root.FullName, "solo"));
        Directory.CreateDirectory(Path.Combine(_root.FullName, "not a name"));

        var catalog = new SourceCatalog(_root.FullName);
        var list = catalog.List();

        Assert.Equal(SourceKind.Run, catalog.Find("sim")?.Kind);
        Assert.Equal(SourceKind.Node, catalog.Find("solo")?.Kind);
        Assert.Equal(SourceKind.Fleet, catalog.Find("cluster")?.Kind);
        Assert.Equal(SourceKind.Node, catalog.Find("cluster/node-3")?.Kind);
        Assert.Null(catalog.Find("solo-parent"));
        Assert.Null(catalog.Find("sim/x"));
        Assert.Equal([.. Enumerable.Range(0, 11).Select(i => $"cluster/node-{i}")], catalog.NodesOf(catalog.Find("cluster")!).Select(n => n.Name));
        var fleet = list.ToList().FindIndex(s => s.Name == "cluster");
        Assert.Equal("cluster/node-0", list[fleet + 1].Name);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/b/c")]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("a/")]
    public void Catalog_UnsafeName_IsNoSource(string name)
    {
        Assert.False(SourceCatalog.IsValidName(name));
        Assert.Null(new SourceCatalog(_root.FullName).Find(name));
    }

    [Fact]
    public void NaturalOrder_DigitRuns_CompareAsNumbers()
    {
        Assert.Equal(["node-1", "node-2", "node-10", "node-10a", "nodes"], new[] { "node-10", "nodes", "node-2", "node-10a", "node-1" }.Order(NaturalOrder.Instance));
    }
}
