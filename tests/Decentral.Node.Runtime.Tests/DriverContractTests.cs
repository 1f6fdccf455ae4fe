using Decentral.Codecs;
using Decentral.Membership;
using Decentral.Node.Runtime.Runtime;
using Decentral.Node.Runtime.State;
using Decentral.Node.Runtime.Tests.Kit;
using Decentral.Protocol;
using Decentral.Telemetry;
using Decentral.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests;

/// <summary>
/// The protocol scenarios the simulator's harness runs (rounds advance, two aggregators,
/// aggregators crash, nodes leave, newcomers join, a node restarts from its checkpoint), through
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
        var now = cluster.Observations.Where(o => o.Observation.Kind == ObservationKind.Aggregated).Max(o => o.Observation.Round);
        await cluster.WhenObserved((node, o) => o.Kind == ObservationKind.Aggregated && o.Round >= now + 5 && node < 4).WaitAsync(Bound);

        foreach (var node in cluster.Nodes.Take(4))
        {
            var statuses = await node.InspectAsync(n => leaving.Select(p => n!.View.TryGet(p, out var r) ? r.Status : MembershipStatus.Join).ToList());
            Assert.All(statuses, s => Assert.Equal(MembershipStatus.Leave, s));
        }
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

    [Fact]
    public async Task CrashedNode_RestartsFromCheckpoint_SamePeerBumpedIndexSampledAgain()
    {
        await using var cluster = await TestCluster.StartAsync(5, sampleSize: 3, output);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5).WaitAsync(Bound);
        var victim = cluster.Nodes[2];
        var peer = victim.PeerId;
        var indexBefore = await victim.InspectAsync(n => ((ModestNode)n!).MembershipIndex);
        await victim.CrashAsync();
        Assert.True(File.Exists(Path.Combine(cluster.DataDir(2), "checkpoint.bin")));

        var retrained = cluster.WhenObserved((node, o) => node == 2 && o.Kind == ObservationKind.TrainingStarted);
        var restarted = await cluster.StartNodeAsync(TestCluster.Options(cluster.Root, 2, 5, cluster.Nodes[0].Addresses[0].ToString(), sampleSize: 3), replace: 2);

        Assert.Equal(peer, restarted.PeerId);
        await retrained.WaitAsync(Bound);
        var indexAfter = await restarted.InspectAsync(n => ((ModestNode)n!).MembershipIndex);
        Assert.True(indexAfter > indexBefore, $"membership index {indexBefore} -> {indexAfter}");
    }

    [Fact]
    public async Task StoppedNode_WithTheReferenceDefence_RestartsWithTheReferenceItsCheckpointKept()
    {
        // Without its reference a restarted node is a newcomer to the defence and trains the median
        // of the aggregates it gets; the checkpoint keeps the reference for it.
        static void Defend(NodeRuntimeOptions o) => o.Protocol.Robustness.AggregateDefence = AggregateDefences.Reference;
        await using var cluster = await TestCluster.StartAsync(5, sampleSize: 3, output, (_, o) => Defend(o));
        await cluster.WhenObserved((node, o) => node == 2 && o.Kind == ObservationKind.TrainingSent).WaitAsync(Bound);
        var victim = cluster.Nodes[2];
        await victim.StopAsync();
        var store = new CheckpointStore(cluster.DataDir(2), new WireCodec(), TimeProvider.System, NullLogger.Instance);
        var saved = store.Load(victim.PeerId, "test");
        Assert.NotNull(saved?.Reference);

        // The others send it no aggregate, so it cannot train (and replace the reference) before it is inspected.
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            if (i != 2)
            {
                cluster.Nodes[i].DropOutgoing = (to, message) => to == victim.PeerId && message is AggregatedModel;
            }
        }

        var options = TestCluster.Options(cluster.Root, 2, 5, cluster.Nodes[0].Addresses[0].ToString(), sampleSize: 3);
        Defend(options);
        var rejoined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restarted = await cluster.StartNodeAsync(options, replace: 2, node => node.PhaseChanged += phase =>
        {
            if (phase == NodePhase.Running)
            {
                rejoined.TrySetResult();
            }
        });
        await rejoined.Task.WaitAsync(Bound);
        var reference = await restarted.InspectAsync(n => ((ModestNode)n!).Reference);

        Assert.NotNull(reference);
        Assert.Equal(saved!.Reference!.Parameters, reference.Parameters);
    }

    [Fact]
    public async Task LiveNode_OthersMarkedItLeaveWhileItCouldNotHear_LearnsItTakesAHigherIndexAndIsSampledAgain()
    {
        // Found by the soak and the partition runs: a live node the others hold as LEAVE at its
        // own index is never sampled (the tie goes to LEAVE), so no round would ever tell it.
        await using var cluster = await TestCluster.StartAsync(5, sampleSize: 3, output, (_, o) => o.Protocol.ViewCheckInterval = TimeSpan.FromSeconds(1));
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5).WaitAsync(Bound);
        var victim = cluster.Nodes[2];
        var peer = victim.PeerId;

        // Cut the victim off the model path (gossip still flows), and let the others mark it LEAVE
        // at its own index, as their timeouts on it would.
        victim.DropOutgoing = (_, _) => true;
        var others = cluster.Nodes.Where(n => n != victim).ToArray();
        foreach (var node in others)
        {
            node.DropOutgoing = (to, _) => to == peer;
        }

        var marked = await victim.InspectAsync(n => ((ModestNode)n!).MembershipIndex);
        foreach (var node in others)
        {
            await node.InspectAsync(n => n!.View.Merge(new PeerRecord(peer, 0, marked, MembershipStatus.Leave)));
        }

        var later = cluster.Observations.Max(o => o.Observation.Round) + 3;
        await cluster.WhenObserved((node, o) => node != 2 && o.Kind == ObservationKind.Aggregated && o.Round >= later).WaitAsync(Bound);

        var retrained = cluster.WhenObserved((node, o) => node == 2 && o.Kind == ObservationKind.TrainingStarted);
        foreach (var node in cluster.Nodes)
        {
            node.DropOutgoing = null;
        }

        // Sampled again means some view took the new JOIN; the others apply theirs at their next model send.
        await retrained.WaitAsync(Bound);
        Assert.True(await victim.InspectAsync(n => ((ModestNode)n!).MembershipIndex) > marked);
    }

    [Fact]
    public async Task RestartedNode_OthersHoldItLeaveAtTheIndexItComesBackWith_LearnsItTakesAHigherIndexAndIsSampledAgain()
    {
        // A node killed after its index moved past its last checkpoint comes back with an index
        // the others hold as LEAVE. Its rejoin asks a member for its view at once; the view
        // check (protocol:viewCheckInterval) is the fallback when that reply or the advert is lost.
        static void Often(NodeRuntimeOptions o) => o.Protocol.ViewCheckInterval = TimeSpan.FromSeconds(2);
        await using var cluster = await TestCluster.StartAsync(5, sampleSize: 3, output, (_, o) => Often(o));
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5).WaitAsync(Bound);
        var victim = cluster.Nodes[2];
        var peer = victim.PeerId;
        var comesBackWith = await victim.InspectAsync(n => ((ModestNode)n!).MembershipIndex) + 1;
        await victim.CrashAsync();
        foreach (var node in cluster.Nodes.Where(n => n != victim))
        {
            await node.InspectAsync(n => n!.View.Merge(new PeerRecord(peer, 0, comesBackWith, MembershipStatus.Leave)));
        }

        var retrained = cluster.WhenObserved((node, o) => node == 2 && o.Kind == ObservationKind.TrainingStarted);
        var restarted = await cluster.StartNodeAsync(TestCluster.Options(cluster.Root, 2, 5, cluster.Nodes[0].Addresses[0].ToString(), sampleSize: 3, Often), replace: 2);

        // Sampled again is the claim (it times out without the view check); the index it holds by
        // then is not: a view may take it back before it had to defend itself.
        await retrained.WaitAsync(Bound);
        Assert.True(await restarted.InspectAsync(n => ((ModestNode)n!).MembershipIndex) >= comesBackWith);
    }

    [Fact]
    public async Task EveryFounder_HasACheckpointFromTheFounding_BeforeItIsSampled()
    {
        // Found by the restart-at-once test failing now and then: a founder killed before its first
        // round had no checkpoint, so it came back gathering founders instead of rejoining.
        await using var cluster = await TestCluster.StartAsync(6, sampleSize: 2, output);
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            var node = cluster.Nodes[i];
            await cluster.WhenRunning(i).WaitAsync(Bound);
            var write = await node.InspectAsync(_ => node.CheckpointWrite);
            await write.WaitAsync(Bound);
            Assert.True(File.Exists(Path.Combine(cluster.DataDir(i), "checkpoint.bin")), $"node {i} has no checkpoint");
        }
    }

    [Fact]
    public async Task EveryNode_RestartsFromCheckpointAtOnce_SessionResumesPastTheCheckpoints()
    {
        // Nobody holds a round in flight after all came back: without founding:resumeAfter the
        // session would never move again.
        static void Resume(int index, NodeRuntimeOptions o) => o.Founding.ResumeAfter = TimeSpan.FromSeconds(3);
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 2, output, Resume);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 6).WaitAsync(Bound);
        foreach (var node in cluster.Nodes)
        {
            await node.CrashAsync();
        }

        var restored = cluster.Observations.Where(o => o.Observation.Kind == ObservationKind.Aggregated).Max(o => o.Observation.Round);
        var resumed = cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= restored + 4);
        var first = await cluster.StartNodeAsync(TestCluster.Options(cluster.Root, 0, 4, null, sampleSize: 2, o => Resume(0, o)), replace: 0);
        var bootstrap = first.Addresses.First(a => a.ToString().Contains("127.0.0.1", StringComparison.Ordinal)).ToString();
        for (var i = 1; i < 4; i++)
        {
            var index = i;
            await cluster.StartNodeAsync(TestCluster.Options(cluster.Root, index, 4, bootstrap, sampleSize: 2, o => Resume(index, o)), replace: index);
        }

        await resumed.WaitAsync(Bound);
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(File.Exists(Path.Combine(cluster.DataDir(i), "checkpoint.bin"))));
    }

    [Fact]
    public async Task BootstrapNode_RestartsWithNobodyToBootstrapFrom_DialsThePeersItKnewAndIsSampledAgain()
    {
        // Node 0 is everyone's bootstrap; restarted, its own address is no help, and the others'
        // overlays are full: only the peer records it stored (peers.bin) lead it back.
        static void Fast(int index, NodeRuntimeOptions o) => o.Node.StatusInterval = TimeSpan.FromMilliseconds(300);
        await using var cluster = await TestCluster.StartAsync(4, sampleSize: 2, output, Fast);
        await cluster.WhenObserved((_, o) => o.Kind == ObservationKind.Aggregated && o.Round >= 5).WaitAsync(Bound);
        await cluster.WhenObserved((node, o) => node == 0 && o.Kind == ObservationKind.TrainingStarted).WaitAsync(Bound);
        await cluster.Nodes[0].CrashAsync();
        Assert.True(File.Exists(Path.Combine(cluster.DataDir(0), "peers.bin")));

        var retrained = cluster.WhenObserved((node, o) => node == 0 && o.Kind == ObservationKind.TrainingStarted);
        await cluster.StartNodeAsync(TestCluster.Options(cluster.Root, 0, 4, bootstrap: null, sampleSize: 2, o => Fast(0, o)), replace: 0);

        await retrained.WaitAsync(Bound);
    }
}
