using Decentral.Codecs;
using Decentral.Protocol;
using Decentral.Simulator.Runner;
using Decentral.Simulator.Scenarios;
using Xunit.Abstractions;

namespace Decentral.Simulator.Tests.Runner;

/// <summary>Whole simulated runs with each codec: same seed same bytes, fewer bytes, learning intact, bases fetched.</summary>
public sealed class CodecRunTests(ITestOutputHelper output)
{
    [Fact]
    public void Quickstart_DeltasTopKAndZstd_SameSeedWritesIdenticalTelemetryBytes()
    {
        string RunOnce(int seed)
        {
            var scenario = Small(new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, TopK = 0.1, Lossless = ModelCodecOptions.Zstd });
            scenario.Seed = seed;
            return ScenarioRuns.Execute(scenario).Telemetry;
        }

        var first = RunOnce(3);
        Assert.Equal(first, RunOnce(3));
        Assert.NotEqual(first, RunOnce(4));
    }

    [Theory]
    [InlineData(ModelCodecOptions.Fp16, 0, ModelCodecOptions.NoLossless, 1.7)]
    [InlineData(ModelCodecOptions.Int8, 0, ModelCodecOptions.NoLossless, 2.5)]
    [InlineData(ModelCodecOptions.Int8, 0.1, ModelCodecOptions.Zstd, 3.5)]
    public void Quickstart_Codec_SendsFewerBytesAndLearnsLikeFp32(string quantizer, double topK, string lossless, double fewer)
    {
        var (_, fp32, _) = ScenarioRuns.Execute(Small(new ModelCodecOptions()));
        var codec = new ModelCodecOptions { Quantizer = quantizer, TopK = topK, Lossless = lossless };

        var (_, summary, _) = ScenarioRuns.Execute(Small(codec));

        output.WriteLine($"{codec.Name}: {summary.Describe()}; bytes by codec {string.Join(", ", summary.BytesByCodec)}");
        // Model messages less their piggybacked views: with this small model views are much of the traffic.
        long ModelBytes(RunSummary s) => s.BytesByCodec.Values.Sum() - s.ViewBytes;
        Assert.True(ModelBytes(fp32) / (double)ModelBytes(summary) >= fewer, $"{ModelBytes(fp32)} vs {ModelBytes(summary)}");
        Assert.True(summary.Final.Accuracy >= fp32.Final.Accuracy - 0.05, $"{summary.Final.Accuracy} vs {fp32.Final.Accuracy}");
        Assert.Equal(fp32.Rounds, summary.Rounds);
        Assert.True(summary.Observations.GetValueOrDefault(ObservationKind.BaseRequested) > 0);
        Assert.Empty(summary.Rejections);
        Assert.Equal(summary.BytesByKind[MessageKind.TrainedModel] + summary.BytesByKind[MessageKind.AggregatedModel] + summary.BytesByKind[MessageKind.BaseReply], summary.BytesByCodec.Values.Sum());
    }

    [Fact]
    public void Quickstart_Fp32_WholeModelsOnlyAndNoBaseRequests()
    {
        var (_, summary, _) = ScenarioRuns.Execute(Small(new ModelCodecOptions()));

        Assert.Equal(["fp32"], summary.BytesByCodec.Keys);
        Assert.Equal(0, summary.Observations.GetValueOrDefault(ObservationKind.BaseRequested));
        Assert.Equal(0, summary.BytesByKind[MessageKind.BaseReply]);
    }

    private static Scenario Small(ModelCodecOptions codec)
    {
        var scenario = ScenarioRuns.Load("quickstart");
        scenario.Nodes = 40;
        scenario.Stop.Rounds = 30;
        scenario.Learning.Dimensions = 100;
        scenario.Protocol.Codec = codec;
        return scenario;
    }
}
