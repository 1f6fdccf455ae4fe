using Decentral.Aggregation;
using Decentral.Baselines;
using Decentral.Simulator.Churn;
using Decentral.Simulator.Compute;
using Decentral.Simulator.Network;

namespace Decentral.Simulator.Scenarios;

/// <summary>The errors and warnings of a scenario's settings.</summary>
/// <param name="Errors">Settings that cannot work, each "$.path: what is wrong (got value)".</param>
/// <param name="Warnings">Legal settings that are likely wrong, in the same form.</param>
public sealed record ScenarioCheck(List<string> Errors, List<string> Warnings);

/// <content>The rules across fields, and the warnings for legal settings that are likely wrong.</content>
public static partial class ScenarioLoader
{
    private static readonly string[] Tasks = ["synthetic", "mnist", "fashion-mnist", "movielens"];
    private static readonly string[] Models = ["softmax", "lenet", "mf"];

    /// <summary>
    /// Every error and warning of <paramref name="s"/>. A rule across fields is skipped when one
    /// of its fields already has a problem (in <paramref name="bad"/>, the fields the JSON could
    /// not set, or among the single-field errors), so one mistake is reported once.
    /// <paramref name="present"/> (the fields the file sets) lets a warning name a setting that
    /// has no effect.
    /// </summary>
    public static ScenarioCheck Check(Scenario s, IReadOnlySet<string>? bad = null, IReadOnlySet<string>? present = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        var errors = FieldErrors(s);
        var invalid = new HashSet<string>(bad ?? new HashSet<string>(), StringComparer.Ordinal);
        invalid.UnionWith(errors.Select(e => e.Split(": ", 2)[0]));
        var rules = new Rules(s, invalid, present ?? new HashSet<string>());
        errors.AddRange(rules.Errors());
        return new ScenarioCheck(errors, [.. rules.Warnings()]);
    }

    private sealed class Rules(Scenario s, HashSet<string> invalid, IReadOnlySet<string> present)
    {
        private readonly int _joins = s.Churn.Where(c => c.Kind == ChurnKind.Join).Sum(c => c.Total ?? c.Count);

        private bool Modest => s.Algorithm == "modest";

        public IEnumerable<string> Errors()
        {
            var p = s.Protocol;
            if (SampledPeers() is { } peers && Valid("protocol.sampleSize", "nodes") && p.SampleSize > peers.Count + _joins)
            {
                yield return $"$.protocol.sampleSize: must be at most {peers.Who} ({peers.Count}{JoinsText}) (got {p.SampleSize}): a round needs that many live peers, so every round would wait out its timeout.";
            }

            if (Modest && Valid("protocol.minModels", "protocol.sampleSize") && p.MinModels > p.SampleSize)
            {
                yield return $"$.protocol.minModels: must be at most sampleSize ({p.SampleSize}) (got {p.MinModels}): an aggregator never gets more than s models, so every round that times out would be dropped.";
            }

            if (Modest && Valid("protocol.ackTimeout", "protocol.aggregationTimeout") && p.AckTimeout <= p.AggregationTimeout)
            {
                yield return $"$.protocol.ackTimeout: must be longer than aggregationTimeout ({p.AggregationTimeout}) (got {p.AckTimeout}): the aggregator acknowledges after it aggregates, so trainers would fail over while it still waits.";
            }

            // The files a scenario names are read here, so a missing or malformed one is an input
            // error with its field, not an exception when the run is built.
            if (s.Compute.CapacityTrace is { Length: > 0 } capacity && Valid("compute.capacityTrace") && CapacityTrace.Load(capacity) is { IsSuccess: false } badCapacity)
            {
                yield return $"$.compute.capacityTrace: cannot be read (got \"{capacity}\"): {badCapacity.Error}";
            }

            if (s.Network.Latency.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && Valid("network.latency") && SiteLatencyMatrix.Load(s.Network.Latency) is { IsSuccess: false } badMatrix)
            {
                yield return $"$.network.latency: cannot be read (got \"{s.Network.Latency}\"): {badMatrix.Error}";
            }

            for (var i = 0; i < s.Churn.Count; i++)
            {
                if (s.Churn[i] is { Kind: ChurnKind.Trace, Path: { Length: > 0 } trace } && Valid($"churn[{i}]") && AvailabilityTrace.Load(trace) is { IsSuccess: false } badTrace)
                {
                    yield return $"$.churn[{i}].path: cannot be read (got \"{trace}\"): {badTrace.Error}";
                }
            }

            var attack = s.Attack;
            if (attack.Active && Valid("attack.kind", "algorithm") && !Modest)
            {
                yield return $"$.attack.kind: attacks run with algorithm modest (got algorithm {s.Algorithm}).";
            }

            if (attack.Active && Valid("attack.kind", "attack.fraction", "nodes", "churn") && Attacks.ByzantineAttack.AttackerCount(s) < 1)
            {
                yield return $"$.attack.fraction: {attack.Fraction} of {Runner.ScenarioLearning.Slots(s)} node slots rounds to no attacker at all (got {attack.Fraction}).";
            }

            if (attack.Kind == AttackKinds.LabelFlip && Valid("attack.kind", "learning.task") && s.Learning.Task == "movielens")
            {
                yield return "$.attack.kind: labelFlip needs a classification task (got task movielens).";
            }

            var removed = s.Churn.Where(c => c.Kind is ChurnKind.Crash or ChurnKind.Leave).Sum(c => c.Total ?? c.Count);
            if (removed > 0 && Valid("nodes", "churn") && removed >= s.Nodes + _joins)
            {
                yield return $"$.churn: crashes and leaves remove {removed} nodes, but only {s.Nodes + _joins} ever exist (nodes {s.Nodes}{JoinsText}): at least one must stay.";
            }
        }

        public IEnumerable<string> Warnings()
        {
            var p = s.Protocol;
            if (SampledPeers() is { } peers && Valid("protocol.sampleSize", "nodes") && p.SampleSize > peers.Count && p.SampleSize <= peers.Count + _joins)
            {
                yield return $"$.protocol.sampleSize: {p.SampleSize} is more than the {peers.Count} founding peers that can be sampled: rounds wait out their timeout until enough peers have joined.";
            }

            if (Modest && Valid("protocol.inactivityThreshold", "protocol.sampleSize", "nodes") && p.InactivityThreshold <= s.Nodes / p.SampleSize)
            {
                yield return $"$.protocol.inactivityThreshold: {p.InactivityThreshold} rounds is not above nodes / sampleSize ({s.Nodes} / {p.SampleSize} = {s.Nodes / p.SampleSize}): most peers are sampled less often than every T rounds and count as inactive; raise it above {s.Nodes / p.SampleSize}.";
            }

            if (Modest && Valid("protocol.minModels", "protocol.sampleSize", "protocol.successFraction") && p.MinModels >= p.SuccessThreshold && p.MinModels <= p.SampleSize)
            {
                yield return $"$.protocol.minModels: {p.MinModels} is not below floor(successFraction x sampleSize) = {p.SuccessThreshold}: a round that reaches the aggregation timeout has fewer models than that, so it is always dropped.";
            }

            var training = TimeSpan.FromMilliseconds(3 * s.Learning.BatchSize * s.Learning.LocalSteps * s.Compute.MsPerSampleMedian);
            if (Modest && s.Compute.CapacityTrace is null && Valid("protocol.aggregationTimeout", "learning.batchSize", "learning.localSteps", "compute.msPerSampleMedian")
                && p.AggregationTimeout < training)
            {
                yield return $"$.protocol.aggregationTimeout: {p.AggregationTimeout} is shorter than the median training time ({training:g}: 3 x batchSize x localSteps x msPerSampleMedian): most rounds will time out.";
            }

            for (var i = 0; i < s.Churn.Count; i++)
            {
                if (Valid($"churn[{i}].at", "stop.time") && s.Churn[i].At >= s.Stop.Time)
                {
                    yield return $"$.churn[{i}].at: {s.Churn[i].At} is not before stop.time ({s.Stop.Time}): this event never happens.";
                }
            }

            foreach (var (section, algorithm) in new[] { ("fedAvg", "fedavg"), ("dpsgd", "dpsgd"), ("gossip", "gossip"), ("epidemic", "epidemic") })
            {
                if (Valid("algorithm") && present.Contains($"$.baselines.{section}") && s.Algorithm != algorithm)
                {
                    yield return $"$.baselines.{section}: ignored: algorithm is {s.Algorithm}, not {algorithm}.";
                }
            }

            if (Valid("algorithm") && present.Contains("$.baselines.fedAvgServerMbps") && s.Algorithm != "fedavg")
            {
                yield return $"$.baselines.fedAvgServerMbps: ignored: algorithm is {s.Algorithm}, not fedavg.";
            }

            if (s.Algorithm == "dpsgd" && s.Baselines.Dpsgd.Topology != DpsgdTopology.Regular && present.Contains("$.baselines.dpsgd.degree"))
            {
                yield return $"$.baselines.dpsgd.degree: ignored: only the regular topology has a degree (got topology {s.Baselines.Dpsgd.Topology}).";
            }

            foreach (var (field, kinds) in new[] { ("factor", new[] { AttackKinds.SignFlip, AttackKinds.Scaling }), ("sigma", [AttackKinds.Noise]), ("z", [AttackKinds.Alie]) })
            {
                if (Valid("attack.kind") && present.Contains($"$.attack.{field}") && !kinds.Contains(s.Attack.Kind))
                {
                    yield return $"$.attack.{field}: ignored: only {string.Join(" and ", kinds)} use it (got kind {s.Attack.Kind}).";
                }
            }

            var r = p.Robustness;
            foreach (var (field, rule) in new[] { ("trimFraction", AggregationRules.TrimmedMean), ("clipRatio", AggregationRules.ClippedMean), ("clipNorm", AggregationRules.ClippedMean), ("krumByzantine", AggregationRules.Krum), ("krumSelect", AggregationRules.Krum) })
            {
                if (Modest && Valid("protocol.robustness.rule") && present.Contains($"$.protocol.robustness.{field}") && r.Rule != rule)
                {
                    yield return $"$.protocol.robustness.{field}: ignored: only the {rule} rule uses it (got rule {r.Rule}).";
                }
            }

            if (Modest && Valid("protocol.robustness.aggregateDefence", "protocol.aggregators") && r.DefendsAggregates && !r.KeepsReference && p.Aggregators == 1)
            {
                yield return $"$.protocol.robustness.aggregateDefence: {r.AggregateDefence} has no effect with aggregators = 1: a trainer receives one aggregate per round; set aggregators to 3 or more.";
            }

            foreach (var field in new[] { "aggregateFarRatio", "aggregateMaxChange" })
            {
                if (Modest && Valid("protocol.robustness.aggregateDefence") && present.Contains($"$.protocol.robustness.{field}") && !r.KeepsReference)
                {
                    yield return $"$.protocol.robustness.{field}: ignored: only the {Protocol.AggregateDefences.Reference} aggregate defence uses it (got aggregateDefence {r.AggregateDefence}).";
                }
            }

            foreach (var field in new[] { "dimensions", "classes", "samplesPerNode", "testSamples" })
            {
                if (s.Learning.Task != "synthetic" && present.Contains($"$.learning.{field}"))
                {
                    yield return $"$.learning.{field}: ignored: only the synthetic task uses it (got task {s.Learning.Task}).";
                }
            }
        }

        /// <summary>The peers a round samples s of (null: the algorithm has no sample): MoDeST all nodes, FedAvg its clients, Epidemic the others.</summary>
        private (int Count, string Who)? SampledPeers() => s.Algorithm switch
        {
            "modest" => (s.Nodes, "nodes"),
            "fedavg" => (s.Nodes - 1, "the clients (nodes - 1, node 0 is the server)"),
            "epidemic" => (s.Nodes - 1, "the other nodes (nodes - 1)"),
            _ => null,
        };

        private string JoinsText => _joins > 0 ? $" + {_joins} joining" : "";

        /// <summary>True when none of the fields (or anything below them) has a problem of its own.</summary>
        private bool Valid(params string[] fields) =>
            !fields.Any(f => invalid.Contains($"$.{f}") || invalid.Any(i => i.StartsWith($"$.{f}.", StringComparison.Ordinal) || i.StartsWith($"$.{f}[", StringComparison.Ordinal)));
    }
}
