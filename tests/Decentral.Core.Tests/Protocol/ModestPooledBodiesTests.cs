using Decentral.Codecs;
using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Learning;

namespace Decentral.Core.Tests.Protocol;

/// <summary>
/// Nodes whose driver releases what it sends encode into pooled bodies. Driven as the node runtime
/// drives them (every message encoded to bytes, released, decoded for the receiver), a run with
/// crashed aggregators (failed sends, retries, failover) behaves exactly as the same run with the
/// message objects shared, and every rented body comes back.
/// </summary>
public sealed class ModestPooledBodiesTests
{
    private static readonly TimeSpan MessageDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan TrainingTime = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(ModelCodecOptions.Int8, ModelCodecOptions.Zstd, 0)]
    [InlineData(ModelCodecOptions.Fp16, ModelCodecOptions.NoLossless, 0.25)]
    [InlineData(ModelCodecOptions.Int8, ModelCodecOptions.Lz4, 0.1)]
    public void CrashRun_OverTheWireWithPooledBodies_SameLogAsSharedMessages_AndEveryBodyComesBack(string quantizer, string lossless, double topK)
    {
        var codec = new ModelCodecOptions { Quantizer = quantizer, Lossless = lossless, TopK = topK, BlockSize = 16 };
        var shared = CrashRun(codec, wire: null);
        var pool = new BodyPool();
        var pooled = CrashRun(codec, pool);

        Assert.True(shared.Log.Count > 100, $"only {shared.Log.Count} observations");
        Assert.True(shared.Log.Any(l => l.Contains(" AggregatorFailover ", StringComparison.Ordinal)), string.Join(", ", shared.Log.Select(l => l.Split(' ')[2]).GroupBy(k => k).Select(g => $"{g.Key} {g.Count()}")) + $" round {shared.HighestAggregatedRound}");
        Assert.Equal(shared.Log, pooled.Log);
        Assert.True(pool.Outstanding > 0, "the running nodes hold no pooled body: the run did not use the pool");

        // Everyone leaves (a crashed node's state is released with it) and what is in flight drains.
        for (var i = 0; i < pooled.Nodes.Count; i++)
        {
            pooled.Leave(i);
        }

        pooled.RunUntil(() => false, TimeSpan.FromDays(1));
        Assert.Equal(0, pool.Outstanding);
    }

    private static ProtocolHarness CrashRun(ModelCodecOptions codec, BodyPool? wire)
    {
        var options = ModestHarnessTests.Options(successFraction: 0.6);
        options.Codec = codec;
        var h = new ProtocolHarness(30, options, seed: 11, MessageDelay, TrainingTime, trainingStep: 0.25f, wire: wire);
        var random = new Random(3);
        h.StartAll(new ModelVector("harness", [.. Enumerable.Range(0, 200).Select(_ => (float)random.NextDouble())]));
        h.RunUntil(() => h.HighestAggregatedRound >= 3, TimeSpan.FromHours(2));

        // Four times: half-way through a round's training, the aggregator its models go to crashes (failed
        // sends, retries, failover), and so does a member of the sample after it (a failed aggregate send).
        var crashed = new HashSet<PeerId>();
        for (var wave = 0; wave < 4; wave++)
        {
            var round = h.HighestAggregatedRound + 1;
            h.RunUntil(() => h.Log.Count > 0 && h.Log[^1].Contains($" TrainingStarted r{round} ", StringComparison.Ordinal), TimeSpan.FromHours(2));

            // Half-way through the training: the trainers' searches ahead have found the aggregator alive.
            var until = h.Now + (TrainingTime / 2);
            h.RunUntil(() => h.Now >= until, TimeSpan.FromHours(2));
            foreach (var victim in new[] { TestPeers.OrderOf(h.Peers, round + 1).First(p => !crashed.Contains(p)), TestPeers.OrderOf(h.Peers, round + 2).Where(p => !crashed.Contains(p)).ElementAt(3) })
            {
                crashed.Add(victim);
                h.Crash(Array.IndexOf(h.Peers, victim));
            }
        }

        var goal = h.HighestAggregatedRound + 8;
        h.RunUntil(() => h.HighestAggregatedRound >= goal, TimeSpan.FromHours(2));
        return h;
    }
}
