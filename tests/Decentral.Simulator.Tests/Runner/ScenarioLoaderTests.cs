using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Tests.Runner;

public sealed class ScenarioLoaderTests
{
    [Theory]
    [InlineData("quickstart")]
    [InlineData("crash")]
    [InlineData("join")]
    [InlineData("partition")]
    [InlineData("sessions")]
    [InlineData("scale")]
    public void ShippedScenario_Loads_Valid(string name)
    {
        var load = ScenarioLoader.LoadFile(Path.Combine(ScenarioRuns.ConfigsFolder, name + ".json"));
        Assert.True(load.Ok, string.Join(Environment.NewLine, load.Errors));
        Assert.Equal(name, load.Scenario!.Name);
    }

    [Theory]
    [InlineData("""{ "protocol": { "sampleSize": 0 } }""", "$.protocol.sampleSize")]
    [InlineData("""{ "protocol": { "sampelSize": 5 } }""", "sampelSize")]
    [InlineData("""{ "protocol": { "robustness": { "trimFraction": 0.7 } } }""", "$.protocol.robustness.trimFraction")]
    [InlineData("""{ "protocol": { "robustness": { "rule": "krum", "krumByzantine": 4 } } }""", "$.protocol.robustness.krumByzantine")]
    [InlineData("""{ "protocol": { "robustness": { "aggregateWait": "00:00:00" } } }""", "$.protocol.robustness.aggregateWait")]
    [InlineData("""{ "protocol": { "pingTimeout": "soon" } }""", "$.protocol.pingTimeout")]
    [InlineData("""{ "nodes": 1 }""", "$.nodes")]
    [InlineData("""{ "network": { "loss": 1.5 } }""", "$.network.loss")]
    [InlineData("""{ "baselines": { "fedAvgServerMbps": -1 } }""", "$.baselines.fedAvgServerMbps")]
    [InlineData("""{ "learning": { "task": "cifar" } }""", "$.learning.task")]
    [InlineData("""{ "learning": { "evalNodes": 0 } }""", "$.learning.evalNodes")]
    [InlineData("""{ "churn": [ { "kind": "crash", "count": 5, "total": 20 } ] }""", "$.churn[0].every")]
    [InlineData("""{ "churn": [ { "kind": "explode" } ] }""", "$.churn[0].kind")]
    [InlineData("""{ "nodes": 10, "churn": [ { "kind": "crash", "count": 10 } ] }""", "$.churn")]
    [InlineData("""{ "nodes": "many" }""", "$.nodes")]
    [InlineData("""[1, 2]""", "$")]
    public void BadScenario_Rejected_ErrorNamesTheField(string json, string field)
    {
        var load = ScenarioLoader.Parse(json);
        Assert.False(load.Ok);
        Assert.Contains(load.Errors, e => e.Contains(field, StringComparison.Ordinal));
    }

    [Fact]
    public void MissingFile_Rejected_WithThePath()
    {
        var load = ScenarioLoader.LoadFile("/nonexistent/scenario.json");
        Assert.False(load.Ok);
        Assert.Contains("/nonexistent/scenario.json", load.Errors[0]);
    }

    [Fact]
    public void EmptyObject_TakesDocumentedDefaults()
    {
        var load = ScenarioLoader.Parse("{}");
        Assert.True(load.Ok, string.Join(Environment.NewLine, load.Errors));
        var s = load.Scenario!;
        Assert.Equal(100, s.Nodes);
        Assert.Equal(10, s.Protocol.SampleSize);
        Assert.Equal(TimeSpan.FromSeconds(5), s.Protocol.PingTimeout);
        Assert.Equal("synthetic", s.Learning.Task);
        Assert.Equal(10, s.Learning.EvalNodes);
    }
}
