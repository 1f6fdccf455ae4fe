using Decentral.Simulator.Churn;
using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Tests.Churn;

public class AvailabilityTraceTests
{
    private const string FedScaleJson = """
        {
          "17": { "duration": 100, "active": [0, 50], "inactive": [20, 100], "finish_time": 100, "model": "x" },
          "23": { "active": [10], "inactive": [], "finish_time": 40 }
        }
        """;

    [Fact]
    public void ParseJson_FedScaleShape_AnswersIsActiveInALoop()
    {
        var trace = AvailabilityTrace.ParseJson(FedScaleJson);
        Assert.True(trace.IsSuccess, trace.Error);
        var d = trace.Value.Devices[0];
        Assert.Equal("17", d.Device);
        Assert.True(d.IsActiveAt(0));
        Assert.False(d.IsActiveAt(30));
        Assert.True(d.IsActiveAt(60));
        Assert.True(d.IsActiveAt(105));
        Assert.False(d.IsActiveAt(125));
        var open = trace.Value.Devices[1];
        Assert.False(open.IsActiveAt(5));
        Assert.True(open.IsActiveAt(39));
    }

    [Fact]
    public void ToSchedule_ReplaysInALoopAndMergesSessionsAcrossTheWrap()
    {
        var trace = AvailabilityTrace.ParseJson(FedScaleJson).ValueOrThrow();
        Assert.True(trace.InitiallyOnline(0));
        Assert.False(trace.InitiallyOnline(1));
        var events = trace.ToSchedule(2, TimeSpan.FromSeconds(250)).Events;
        // Device 17: online [0,20) [50,100) then again [0,20)+100 ... the session [50,100)+[100,120) is one.
        Assert.Equal(
            [(20L, ChurnKind.Crash), (50L, ChurnKind.Join), (120L, ChurnKind.Crash), (150L, ChurnKind.Join), (220L, ChurnKind.Crash)],
            events.Where(e => e.Node == 0).Select(e => (e.Time / SimTime.PerSecond, e.Kind)));
        Assert.Equal(
            [(10L, ChurnKind.Join), (40L, ChurnKind.Crash), (50L, ChurnKind.Join), (80L, ChurnKind.Crash), (90L, ChurnKind.Join), (120L, ChurnKind.Crash), (130L, ChurnKind.Join), (160L, ChurnKind.Crash), (170L, ChurnKind.Join), (200L, ChurnKind.Crash), (210L, ChurnKind.Join), (240L, ChurnKind.Crash)],
            events.Where(e => e.Node == 1).Select(e => (e.Time / SimTime.PerSecond, e.Kind)));
    }

    [Fact]
    public void ParseCsv_AndJsonArray_GiveTheSameDevices()
    {
        var csv = AvailabilityTrace.ParseCsv(new StringReader("device,finish_time,active,inactive\n17,100,0;50,20;100\n23,40,10,\n"));
        var array = AvailabilityTrace.ParseJson("""[{"device":"17","active":[0,50],"inactive":[20,100],"finish_time":100},{"device":23,"active":[10],"inactive":[],"finish_time":40}]""");
        Assert.True(csv.IsSuccess, csv.Error);
        Assert.True(array.IsSuccess, array.Error);
        foreach (var t in new[] { 0.0, 15, 30, 60, 99, 130 })
        {
            Assert.Equal(csv.Value.Devices[0].IsActiveAt(t), array.Value.Devices[0].IsActiveAt(t));
            Assert.Equal(csv.Value.Devices[1].IsActiveAt(t), array.Value.Devices[1].IsActiveAt(t));
        }
    }

    [Theory]
    [InlineData("""{"a": {"active": [0, 10], "inactive": [5], "finish_time": 20, "x": 1}, "b": {"active": [5], "inactive": [3], "finish_time": 20}}""", "device 'b': interval 0")]
    [InlineData("""{"a": {"active": [0], "inactive": [5, 6, 7], "finish_time": 20}}""", "inactive needs as many entries")]
    [InlineData("""{"a": {"active": [0], "inactive": [5]}}""", "\"finish_time\" must be a number")]
    [InlineData("""{"a": {"active": "x", "inactive": [5], "finish_time": 9}}""", "\"active\" must be an array")]
    [InlineData("""{}""", "no devices")]
    [InlineData("""[1,2]""", "element 0 has no \"device\"")]
    [InlineData("""{"a": """, "")]
    public void ParseJson_BadInput_GivesAnErrorValue(string json, string expected)
    {
        var result = AvailabilityTrace.ParseJson(json);
        Assert.False(result.IsSuccess);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public void Synthetic_IsValidReproducibleAndMixesOnlineAndOffline()
    {
        AvailabilityTrace Make(int seed) => AvailabilityTrace.Synthetic(200, SessionDistribution.Weibull(0.6, TimeSpan.FromMinutes(20)), SessionDistribution.LogNormal(Math.Log(600), 1.2), TimeSpan.FromDays(1), seed);
        var trace = Make(4);
        Assert.All(trace.Devices, d => Assert.Null(d.Check()));
        int online = Enumerable.Range(0, 200).Count(trace.InitiallyOnline);
        Assert.InRange(online, 20, 180);
        Assert.Equal(trace.Devices.Select(d => string.Join(",", d.Active)), Make(4).Devices.Select(d => string.Join(",", d.Active)));
    }
}
