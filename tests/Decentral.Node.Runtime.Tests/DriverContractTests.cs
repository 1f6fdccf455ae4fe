using System.Collections.Concurrent;
using Decentral.Codecs;
using Decentral.Membership;
using Decentral.Node.Runtime.Runtime;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Protocol;
using Decentral.Sampling;
using Decentral.Telemetry;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests;

/// <summary>
/// The protocol scenarios the simulator's harness runs (rounds advance, two aggregators,
/// aggregators crash, nodes leave, newcomers join; restarts are in RestartContractTests), through
/// the real driver: node runtimes in this process over loopback libp2p (TCP, Noise, Yamux,
/// GossipSub, the message protocol), on the system clock with short protocol timeouts. Every
/// wait is for an event armed before the action, bounded generously for a loaded machine.
/// </summary>
[Trait("Category", "Network")]
public sealed class DriverContractTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task SixNodes_OverLoopback_RoundsAdvancePast10AndEveryNodeTrains()
    {
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output);
        var round12 = cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 12);

        await round12.WaitAsync(Bound);

        var aggregated = cluster.Observations.Where(o => o.Observation.Kind == ObservationKind.Aggregated).Select(o => o.Observation.Round).ToHashSet();
        Assert.All(Enumerable.Range(2, 11), r => Assert.Contains(r, aggregated));
        var trainers = cluster.Observations.Where(o => o.Observation.Kind == ObservationKind.TrainingStarted).Select(o => o.Node).ToHashSet();
        Assert.True(trainers.Count >= 5, $"only nodes {string.Join(",", trainers)} trained");
    }

    [Fact]
    public async Task TelemetryRows_OverLoopback_TimingsPlaceEveryArrivalAfterTheSendBeforeIt()
    {
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 3, output);
        var rows = new System.Collections.Concurrent.ConcurrentQueue<RoundRow>();
        foreach (var node in cluster.Nodes)
        {
            node.Telemetry.RowWritten += rows.Enqueue;
        }

        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 10).WaitAsync(Bound);

        // All nodes share this process's clock, so a model's arrival (the row's time less its
        // phases) can be checked against the send of the row before it on another node.
        const double Slack = 0.005;
        var timed = rows.Where(r => r.Timings is not null).ToList();
        var aggregates = timed.Where(r => r.Role == NodeRole.Aggregator).ToLookup(r => r.Round);
        var trained = timed.Where(r => r.Role == NodeRole.Trainer).ToLookup(r => r.Round);
        Assert.Contains(timed, r => r.Role == NodeRole.Aggregator);
        Assert.All(timed, r => Assert.All(r.Timings!.Fields().Where(f => f.Seconds is not null), f => Assert.True(f.Seconds >= 0, f.Name)));
        foreach (var row in trained.SelectMany(g => g))
        {
            var t = row.Timings!;
            Assert.True(t.TrainSeconds > 0, $"round {row.Round}: train_s {t.TrainSeconds}");

            // The founding rounds are left out of the cross-node check: there a trainer of round 3
            // has been seen to send up to 10 ms before round 2's only aggregator row (aggregated at
            // its timeout), which the phases alone do not explain (docs/benchmarks/node-notes.md).
            if (row.Round <= 3)
            {
                continue;
            }

            var arrived = row.UnixSeconds!.Value - t.QueueSeconds!.Value - t.TrainSeconds!.Value - t.EncodeSeconds!.Value - t.SearchSeconds!.Value;
            // Views differ for a moment after founding, so a round may have been aggregated twice: the
            // model trained came from one of those aggregates, so at least the first was sent before.
            if (aggregates[row.Round - 1].Any())
            {
                var sent = aggregates[row.Round - 1].Min(r => r.UnixSeconds!.Value);
                Assert.True(arrived >= sent - Slack, $"round {row.Round}: trained from an aggregate that arrived {sent - arrived:F4} s before it was sent; "
                    + $"trainer {row.Node} at {row.UnixSeconds:F4} {t}; aggregators: {string.Join("; ", rows.Where(r => r.Role == NodeRole.Aggregator && r.Round == row.Round - 1).Select(r => $"{r.Node} at {r.UnixSeconds:F4} {r.Timings}"))}");
            }
        }

        foreach (var row in aggregates.SelectMany(g => g))
        {
            var t = row.Timings!;
            var first = row.UnixSeconds!.Value - t.WaitSeconds!.Value - t.AggregateSeconds!.Value - t.SearchSeconds!.Value;
            if (trained[row.Round].Any())
            {
                Assert.True(first >= trained[row.Round].Min(r => r.UnixSeconds!.Value) - Slack, $"round {row.Round}: the first model arrived before any was sent");
            }
        }
    }

    [Fact]
    public async Task TwoAggregatorsPerRound_OverLoopback_EachRoundAggregatedByTwo()
    {
        await using var cluster = await TestCluster.StartAsync(5, sampleSize: 3, output, (_, o) => o.Protocol.Aggregators = 2);
        var round8 = cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 8);

        await round8.WaitAsync(Bound);

        var perRound = cluster.Observations.Where(o => o.Observation.Kind == ObservationKind.Aggregated)
            .GroupBy(o => o.Observation.Round).ToDictionary(g => g.Key, g => g.Select(o => o.Node).Distinct().Count());
        Assert.Contains(perRound.Values, count => count == 2);
    }

    [Fact]
    public async Task AggregatorCrashes_MidSession_RoundsContinue()
    {
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output);
        var round5 = cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5);
        await round5.WaitAsync(Bound);
        var last = cluster.Observations.Last(o => o.Observation.Kind == ObservationKind.Aggregated);

        // The latest aggregator goes down without a word; nobody may wait for it forever.
        await cluster.Nodes[last.Node].CrashAsync();
        var later = cluster.WhenObserved((node, o) => o.Kind == ObservationKind.Aggregated && o.Round >= last.Observation.Round + 6 && node != last.Node);

        await later.WaitAsync(Bound);
    }

    [Fact]
    public async Task LossyCodec_PooledBodies_DeltasTravelRoundAfterRoundAndAnAggregatorsCrashIsSurvived()
    {
        // The node encodes into pooled bodies and releases every message once the transport is done
        // with it (delivered, or failed and handed back to the core, which retries with views of
        // its own): a view read after its release would throw in the loop and stop the node.
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output, (_, o) =>
        {
            o.Protocol.Codec.Quantizer = ModelCodecOptions.Int8;
            o.Protocol.Codec.TopK = 0.5;
            o.Protocol.Codec.Lossless = ModelCodecOptions.Zstd;
        });
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5).WaitAsync(Bound);
        var last = cluster.Observations.Last(o => o.Observation.Kind == ObservationKind.Aggregated);

        await cluster.Nodes[last.Node].CrashAsync();
        await cluster.WhenObserved((node, o) => o.Kind == ObservationKind.Aggregated && o.Round >= last.Observation.Round + 6 && node != last.Node).WaitAsync(Bound);

        var codecs = cluster.Nodes.SelectMany(n => n.Telemetry.Traffic.BytesByCodec.Keys).ToHashSet();
        output.WriteLine($"codecs sent: {string.Join(", ", codecs)}");
        Assert.Contains("topk-int8+zstd", codecs);
        Assert.Contains(codecs, c => c.StartsWith("int8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregator_KilledBeforeItsAggregateLeaves_TrainersFailOverAndRoundsContinue()
    {
        // Found by the soak: a process killed after its core aggregated (and Acked the trainers)
        // but before the aggregate reached the next sample stopped the session for good.
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5).WaitAsync(Bound);

        // The next node to send an aggregate loses every aggregate and trained model it sends, then
        // dies: a model it trained on its own aggregate cannot carry the session on, so the rounds
        // go on only when its trainers fail over.
        var victim = -1;
        var aggregated = cluster.WhenObserved((node, o) => node == Volatile.Read(ref victim) && o.Kind == ObservationKind.Aggregated);
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            var index = i;
            cluster.Nodes[i].DropOutgoing = (_, message) => message switch
            {
                AggregatedModel => Interlocked.CompareExchange(ref victim, index, -1) is var first && (first == -1 || first == index),
                TrainedModel => Volatile.Read(ref victim) == index,
                _ => false,
            };
        }

        await aggregated.WaitAsync(Bound);
        var lost = cluster.Observations.Last(o => o.Node == victim && o.Observation.Kind == ObservationKind.Aggregated).Observation.Round;
        var later = cluster.WhenObserved((node, o) => node != victim && o.Kind == ObservationKind.Aggregated && o.Round >= lost + 3);
        var failover = cluster.WhenObserved((_, o) => o.Kind == ObservationKind.AggregatorFailover && o.Round == lost);
        await cluster.Nodes[victim].CrashAsync();
        output.WriteLine($"node {victim} died with the aggregate of round {lost}");

        await failover.WaitAsync(Bound);
        await later.WaitAsync(Bound);
    }

    [Fact]
    public async Task TwoNodesLeave_Gracefully_RoundsContinueAndOthersMarkThemLeft()
    {
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 4).WaitAsync(Bound);
        var leaving = new[] { cluster.Nodes[4].PeerId, cluster.Nodes[5].PeerId };

        await Task.WhenAll(cluster.Nodes[4].StopAsync(), cluster.Nodes[5].StopAsync());
        var now = cluster.LatestAggregated;
        await cluster.WhenObserved((node, o) => o.Kind == ObservationKind.Aggregated && o.Round >= now + 5 && node < 4).WaitAsync(Bound);

        foreach (var node in cluster.Nodes.Take(4))
        {
            var statuses = await node.InspectAsync(n => leaving.Select(p => n!.View.TryGet(p, out var r) ? r.Status : MembershipStatus.Join).ToList());
            Assert.All(statuses, s => Assert.Equal(MembershipStatus.Leave, s));
        }
    }

    [Fact]
    public async Task TrainerLeaves_WhileTraining_HandsItsPlaceOn_TheNextRoundIsAggregatedFromAFullSample()
    {
        // The leaver trains for seconds whenever it is sampled, so it leaves mid-training: with
        // 100,000 local steps (0.3 s in one fresh-clone CI run) its training ended in the 350 ms
        // the test took from its TrainingStarted to the stop, and nothing was handed on.
        // On a loaded machine the round it trains may be overtaken before the stop takes effect, so
        // the round that counts is the one it hands on.
        const int Leaver = 5;
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output, (i, o) => o.Learning.LocalSteps = i == Leaver ? 1_000_000 : 5);
        var leaver = cluster.Nodes[Leaver].PeerId;
        long training;
        do
        {
            // A round the leaver trains without being its aggregator (it aggregates and trains the
            // same round often, and then the stop did not always find it training).
            var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            await cluster.WhenObserved((node, o) => node == Leaver && o.Kind == ObservationKind.TrainingStarted && o.Round >= 2 && started.TrySetResult(o.Round)).WaitAsync(Bound);
            training = await started.Task;
        }
        while (await cluster.Nodes[0].InspectAsync(n => new ViewRoundOrder().Order(training, n!.View)[0]) == leaver);

        var aggregations = new ConcurrentDictionary<long, ProtocolObservation>();
        var handedOn = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = cluster.WhenObserved((node, o) =>
        {
            if (node != Leaver && o.Kind == ObservationKind.Aggregated)
            {
                aggregations.TryAdd(o.Round, o);
            }

            return node == Leaver && o.Kind == ObservationKind.TrainerReplaced && handedOn.TrySetResult(o.Round) && false;
        });

        await cluster.Nodes[Leaver].StopAsync();
        var round = await handedOn.Task.WaitAsync(Bound);
        var aggregated = cluster.WhenObserved((_, _) => aggregations.ContainsKey(round + 1));
        if (!aggregations.ContainsKey(round + 1))
        {
            await aggregated.WaitAsync(Bound);
        }

        var next = aggregations[round + 1];

        // Success fraction 1: without the successor, round + 1 would wait out its aggregation timeout and aggregate 2.
        Assert.Equal(3, next.Count);
    }

    [Fact]
    public async Task TrainerCrashes_WhileTraining_TheAggregatorFindsItSilentAndAggregatesWithoutIt()
    {
        // The victim trains for a second or so whenever it is sampled, so it dies mid-training.
        // The aggregation and ack timeouts lie far beyond the wait: only the trainer check
        // (2 s, then the 2 s ping timeout) can end the round.
        const int Victim = 5;
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 3, output, (i, o) =>
        {
            o.Learning.LocalSteps = i == Victim ? 100_000 : 5;
            o.Protocol.AggregationTimeout = TimeSpan.FromMinutes(10);
            o.Protocol.AckTimeout = TimeSpan.FromMinutes(11);
            o.Founding.ResumeAfter = TimeSpan.Zero;
        });
        var victim = cluster.Nodes[Victim].PeerId;
        long round;
        do
        {
            var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            await cluster.WhenObserved((node, o) => node == Victim && o.Kind == ObservationKind.TrainingStarted && o.Round >= 2 && started.TrySetResult(o.Round)).WaitAsync(Bound);
            round = await started.Task;
        }
        // Neither the round's aggregator (its aggregate may not have left yet, and held Acks would
        // then keep the trainers waiting out the 11-minute ack timeout) nor the next round's.
        while (await cluster.Nodes[0].InspectAsync(n => new[] { round, round + 1 }.Any(r => new ViewRoundOrder().Order(r, n!.View)[0] == victim)));

        var aggregated = WhenAggregated(cluster, round + 1, except: Victim);
        await cluster.Nodes[Victim].CrashAsync();

        var next = await aggregated.WaitAsync(Bound);
        Assert.Equal(2, next.Count);
    }

    // The first aggregation of round by a node other than except, with its observation; arm before the action.
    private static Task<ProtocolObservation> WhenAggregated(TestCluster cluster, long round, int except)
    {
        var seen = new TaskCompletionSource<ProtocolObservation>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = cluster.WhenObserved((node, o) => node != except && o.Kind == ObservationKind.Aggregated && o.Round == round && seen.TrySetResult(o));
        return seen.Task;
    }

    [Fact]
    public async Task TwoNewcomers_JoinRunningSession_AreSampledAndTrain()
    {
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 3, output, (_, o) => o.Learning.Partition.Count = 6);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 3).WaitAsync(Bound);
        var bootstrap = cluster.Nodes[0].Addresses[0].ToString();
        var trained = new[] { 4, 5 }.Select(i => cluster.WhenObserved((node, o) => node == i && o.Kind == ObservationKind.TrainingStarted)).ToArray();

        foreach (var i in new[] { 4, 5 })
        {
            await cluster.StartNodeAsync(TestCluster.Options(cluster.Root, i, 6, bootstrap, sampleSize: 3));
        }

        await Task.WhenAll(trained).WaitAsync(Bound);
        Assert.All(cluster.Nodes.Skip(4), n => Assert.Equal(NodePhase.Running, n.Phase));
    }

    [Theory]
    [InlineData("fedavg")]
    [InlineData("dpsgd")]
    [InlineData("epidemic")]
    [InlineData("gossip")]
    public async Task Baseline_OverLoopback_EveryFounderAveragesRoundAfterRound(string algorithm)
    {
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 3, output, (_, o) =>
        {
            o.Node.Algorithm = algorithm;
            o.Baselines.FedAvg.RoundTimeout = TimeSpan.FromSeconds(5);
            o.Baselines.Dpsgd.RoundTimeout = TimeSpan.FromSeconds(5);
            o.Baselines.Epidemic.RoundWait = TimeSpan.FromMilliseconds(500);
            o.Baselines.Gossip.Period = TimeSpan.FromMilliseconds(300);
        });
        // FedAvg: the server (slot 0) aggregates; the decentralized baselines: every node averages.
        var averaging = algorithm == "fedavg" ? [0] : new[] { 0, 1, 2, 3 };
        var rounds = averaging.Select(i => cluster.WhenObserved((node, o) => node == i && o.Kind == ObservationKind.Aggregated && o.Round >= 6)).ToArray();

        await Task.WhenAll(rounds).WaitAsync(Bound);
    }

    [Fact]
    public async Task NodeOfAnotherSession_IsRefusedWithTheReasonAndNeverEntersTheViews()
    {
        await using var cluster = await TestCluster.StartAsync(3, sampleSize: 2, output);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 3).WaitAsync(Bound);
        var logs = new RecordingLogs();
        var strangerOptions = TestCluster.Options(cluster.Root, 9, 3, cluster.Nodes[0].Addresses[0].ToString(), sampleSize: 2, o =>
        {
            o.Node.Session = "another";
            o.Learning.Partition.Index = 0;
        });
        var stranger = new NodeRuntime(strangerOptions, TimeProvider.System, logs);
        await using (stranger)
        {
            var refused = logs.WhenLogged(l => l.Contains("session 'test', the request is for session 'another'", StringComparison.Ordinal));
            Assert.Null(await stranger.StartAsync());

            await refused.WaitAsync(Bound);
            var later = cluster.Observations.Max(o => o.Observation.Round) + 3;
            await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= later).WaitAsync(Bound);
            foreach (var node in cluster.Nodes)
            {
                Assert.False(await node.InspectAsync(n => n!.View.Contains(stranger.PeerId)));
            }
        }
    }
}
