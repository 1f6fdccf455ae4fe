using Decentral.Simulator.Compute;
using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;

namespace Decentral.Simulator.Tests.Compute;

public class ComputeTests
{
    [Fact]
    public void TrainingTime_FollowsFedScaleFormula()
    {
        // 3 x 20 x 5 x 13.6 ms = 4.08 s
        Assert.Equal(TimeSpan.FromSeconds(4.08), ComputeModel.TrainingTime(20, 5, 13.6));
        Assert.Equal(0, ComputeModel.TrainingTicks(20, 0, 13.6));
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeModel.TrainingTicks(0, 5, 1));
    }

    [Fact]
    public void SyntheticSpeeds_MedianIsFiveTimesE_AndSeedReproduces()
    {
        var profiles = DeviceProfiles.Synthetic(20_001, seed: 3);
        var ms = Enumerable.Range(0, profiles.NodeCount).Select(profiles.MsPerSample).Order().ToArray();
        Assert.InRange(ms[ms.Length / 2], 5 * Math.E * 0.97, 5 * Math.E * 1.03);
        Assert.Equal(profiles.MsPerSample(123), DeviceProfiles.Synthetic(20_001, seed: 3).MsPerSample(123));
        Assert.False(profiles.HasBandwidth);
        Assert.Equal(ComputeModel.TrainingTicks(20, 5, profiles.MsPerSample(7)), profiles.TrainingTicks(7, 20, 5));
    }

    [Fact]
    public void CapacityTrace_JsonAndCsv_SetSpeedsAndBandwidthRoundRobin()
    {
        var json = CapacityTrace.ParseJson("""{"1": {"computation": 12.5, "communication": 8000}, "2": {"computation": 30, "communication": 800}}""");
        var csv = CapacityTrace.ParseCsv(new StringReader("device,computation,communication\n1,12.5,8000\n2,30,800\n"));
        Assert.True(json.IsSuccess, json.Error);
        Assert.True(csv.IsSuccess, csv.Error);
        Assert.Equal(json.Value.Devices, csv.Value.Devices);
        var profiles = DeviceProfiles.FromTrace(json.Value, 3);
        Assert.Equal(30, profiles.MsPerSample(1));
        Assert.Equal(12.5, profiles.MsPerSample(2));
        Assert.Equal(1_000_000, profiles.BytesPerSecond(0));
        var net = new SimNetwork(new Simulation(), new ConstantLatencyModel(TimeSpan.Zero), new NetworkOptions { NodeCount = 3 });
        profiles.ApplyBandwidth(net);
        Assert.Equal(100_000, net.UploadCapacity(1));
        Assert.Equal(100_000, net.DownloadCapacity(1));
    }

    [Theory]
    [InlineData("""{"1": {"computation": -1, "communication": 8000}}""", "device '1'")]
    [InlineData("""{"1": {"computation": 1}}""", "needs numeric")]
    [InlineData("""[]""", "no devices")]
    public void CapacityTrace_BadInput_GivesAnErrorValue(string json, string expected)
    {
        var result = CapacityTrace.ParseJson(json);
        Assert.False(result.IsSuccess);
        Assert.Contains(expected, result.Error);
    }
}
