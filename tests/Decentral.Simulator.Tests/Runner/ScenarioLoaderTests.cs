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
    [InlineData("byzantine")]
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
    [InlineData("""{ "attack": { "kind": "bribe" } }""", "$.attack.kind")]
    [InlineData("""{ "attack": { "kind": "aggregator", "aggregatePoison": "flip" } }""", "$.attack.aggregatePoison")]
    [InlineData("""{ "attack": { "kind": "noise", "fraction": 1 } }""", "$.attack.fraction")]
    [InlineData("""{ "nodes": 4, "attack": { "kind": "noise", "fraction": 0.1 } }""", "$.attack.fraction")]
    [InlineData("""{ "algorithm": "gossip", "attack": { "kind": "noise" } }""", "$.attack.kind")]
    [InlineData("""{ "attack": { "kind": "signFlip", "factor": 0 } }""", "$.attack.factor")]
    [InlineData("""{ "attack": { "kind": "noise", "sigma": -1 } }""", "$.attack.sigma")]
    [InlineData("""{ "attack": { "kind": "alie", "z": "NaN" } }""", "$.attack.z")]
    [InlineData("""{ "learning": { "task": "movielens", "model": "mf" }, "attack": { "kind": "labelFlip" } }""", "$.attack.kind")]
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

    [Theory]
    [InlineData("""{ "nodes": 5, "protocol": { "sampleSize": 10 } }""", "$.protocol.sampleSize: must be at most nodes (5) (got 10)")]
    [InlineData("""{ "algorithm": "fedavg", "nodes": 10, "protocol": { "sampleSize": 10 } }""", "$.protocol.sampleSize: must be at most the clients (nodes - 1, node 0 is the server) (9) (got 10)")]
    [InlineData("""{ "protocol": { "sampleSize": 4, "minModels": 5 } }""", "$.protocol.minModels: must be at most sampleSize (4) (got 5)")]
    [InlineData("""{ "protocol": { "ackTimeout": "00:05:00" } }""", "$.protocol.ackTimeout: must be longer than aggregationTimeout (00:05:00) (got 00:05:00)")]
    [InlineData("""{ "nodes": 10, "churn": [ { "kind": "crash", "at": "00:01:00", "every": "00:01:00", "count": 5, "total": 10 } ] }""", "$.churn: crashes and leaves remove 10 nodes, but only 10 ever exist")]
    [InlineData("""{ "nodes": 3, "protocol": { "sampleSize": 2, "aggregators": 3, "minModels": 1 } }""", "$.protocol.aggregators: Aggregators must be between 1 and SampleSize (2) (got 3).")]
    public void ImpossibleScenario_RejectedNamingTheRuleAndTheValues(string json, string expected)
    {
        var load = ScenarioLoader.Parse(json);

        Assert.False(load.Ok);
        var error = Assert.Single(load.Errors);
        Assert.StartsWith(expected, error);
    }

    [Theory]
    [InlineData("""{ "protocol": { "inactivityThreshold": 10 } }""", "$.protocol.inactivityThreshold: 10 rounds is not above nodes / sampleSize (100 / 10 = 10)")]
    [InlineData("""{ "nodes": 5, "protocol": { "sampleSize": 8, "minModels": 1 }, "churn": [ { "kind": "join", "at": "00:01:00", "every": "00:01:00", "total": 5 } ] }""", "$.protocol.sampleSize: 8 is more than the 5 founding peers")]
    [InlineData("""{ "protocol": { "sampleSize": 4, "minModels": 4 } }""", "$.protocol.minModels: 4 is not below floor(successFraction x sampleSize) = 4")]
    [InlineData("""{ "protocol": { "aggregationTimeout": "00:00:02", "ackTimeout": "00:00:03" } }""", "$.protocol.aggregationTimeout: 00:00:02 is shorter than the median training time")]
    [InlineData("""{ "stop": { "time": "00:10:00" }, "churn": [ { "kind": "heal", "at": "00:10:00" } ] }""", "$.churn[0].at: 00:10:00 is not before stop.time (00:10:00)")]
    [InlineData("""{ "baselines": { "gossip": { "period": "00:00:30" } } }""", "$.baselines.gossip: ignored: algorithm is modest, not gossip.")]
    [InlineData("""{ "learning": { "task": "mnist", "classes": 4 } }""", "$.learning.classes: ignored: only the synthetic task uses it")]
    [InlineData("""{ "attack": { "kind": "noise", "factor": 5 } }""", "$.attack.factor: ignored: only signFlip and scaling use it (got kind noise).")]
    [InlineData("""{ "protocol": { "robustness": { "trimFraction": 0.3 } } }""", "$.protocol.robustness.trimFraction: ignored: only the trimmedMean rule uses it (got rule mean).")]
    [InlineData("""{ "protocol": { "robustness": { "aggregateDefence": "median" } } }""", "$.protocol.robustness.aggregateDefence: median has no effect with aggregators = 1")]
    [InlineData("""{ "protocol": { "aggregators": 3, "robustness": { "aggregateDefence": "median", "aggregateMaxChange": 1.5 } } }""", "$.protocol.robustness.aggregateMaxChange: ignored: only the reference aggregate defence uses it (got aggregateDefence median).")]
    public void LegalButLikelyWrong_LoadsWithAWarning(string json, string expected)
    {
        var load = ScenarioLoader.Parse(json);

        Assert.True(load.Ok, string.Join(Environment.NewLine, load.Errors));
        Assert.StartsWith(expected, Assert.Single(load.Warnings!));
    }

    [Fact]
    public void UnknownFields_EveryOneReportedWithTheNearestName()
    {
        var load = ScenarioLoader.Parse("""{ "node": 5, "protocol": { "sampelSize": 3, "minModel": 2 }, "churn": [ { "kind": "crash", "att": "00:01:00" } ] }""");

        Assert.Equal(
        [
            "$.node: unknown field; did you mean nodes?",
            "$.protocol.sampelSize: unknown field; did you mean sampleSize?",
            "$.protocol.minModel: unknown field; did you mean minModels?",
            "$.churn[0].att: unknown field; did you mean at?",
        ], load.Errors);
    }

    [Fact]
    public void BadEnum_ListsTheValidValues()
    {
        var load = ScenarioLoader.Parse("""{ "churn": [ { "kind": "crsh" } ] }""");

        Assert.Equal(["$.churn[0].kind: must be one of crash, leave, join, partition, heal, sessions, trace (got \"crsh\"); did you mean crash?"], load.Errors);
    }

    [Fact]
    public void InvalidJson_OnePosition()
    {
        var load = ScenarioLoader.Parse("{\n  \"nodes\": 10\n  \"seed\": 2\n}");

        var error = Assert.Single(load.Errors);
        Assert.StartsWith("$: invalid JSON at line 3, column 3: ", error);
        Assert.DoesNotContain("LineNumber", error);
        Assert.DoesNotContain("(line", error);
    }

    [Fact]
    public void NegativeNodes_OneErrorAndNoChurnError()
    {
        var load = ScenarioLoader.Parse("""{ "nodes": -5 }""");

        Assert.Equal(["$.nodes: must be at least 2 (got -5)."], load.Errors);
    }

    [Fact]
    public void SeveralProblems_AllReportedInOnePass()
    {
        var load = ScenarioLoader.Parse("""{ "nodes": "many", "sed": 1, "protocol": { "sampleSize": 0 }, "network": { "loss": 2 }, "churn": [ { "kind": "boom" } ] }""");

        Assert.Equal(["$.nodes", "$.sed", "$.churn[0].kind", "$.protocol.sampleSize", "$.network.loss"], load.Errors.Select(e => e.Split(": ", 2)[0]));
    }

    [Fact]
    public void Adjust_RunsBeforeTheRules()
    {
        var load = ScenarioLoader.Parse("""{ "nodes": 5, "protocol": { "sampleSize": 10 } }""", s => s.Nodes = 50);

        Assert.True(load.Ok, string.Join(Environment.NewLine, load.Errors));
        Assert.Equal(50, load.Scenario!.Nodes);
    }

    [Theory]
    [InlineData("""{ "compute": { "capacityTrace": "missing-capacity.csv" } }""", "$.compute.capacityTrace: cannot be read (got ")]
    [InlineData("""{ "network": { "latency": "missing-sites.csv" } }""", "$.network.latency: cannot be read (got ")]
    [InlineData("""{ "churn": [ { "kind": "trace", "path": "missing-trace.json" } ] }""", "$.churn[0].path: cannot be read (got ")]
    public void NamedFile_Missing_AnErrorOfItsFieldNotAnExceptionLater(string json, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("decentral-scenario-").FullName;
        try
        {
            var file = Path.Combine(folder, "s.json");
            File.WriteAllText(file, json);

            var load = ScenarioLoader.LoadFile(file);

            Assert.StartsWith(expected + "\"" + folder, Assert.Single(load.Errors));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
