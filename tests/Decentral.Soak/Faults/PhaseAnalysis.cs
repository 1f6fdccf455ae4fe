using Decentral.Telemetry;

namespace Decentral.Soak.Faults;

/// <summary>One aggregation: a round some aggregator finished at a time, with the partition groups of that round's trainers.</summary>
/// <param name="Round">The round.</param>
/// <param name="Seconds">When, in seconds since the run's measured phases began.</param>
/// <param name="AggregatorGroup">The aggregator's group (node index or slot mod 2).</param>
/// <param name="TrainerGroups">The groups of the nodes that trained for the round.</param>
public sealed record AggregateEvent(long Round, double Seconds, int AggregatorGroup, IReadOnlySet<int> TrainerGroups);

/// <summary>A window of a fault run.</summary>
/// <param name="Name">What ran in it (calm, loss 5 %, partition, healed).</param>
/// <param name="From">Its start, in seconds since the measured phases began.</param>
/// <param name="To">Its end.</param>
public sealed record Phase(string Name, double From, double To);

/// <summary>What the rounds did in one phase.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Rounds">Distinct rounds aggregated in it (first aggregation of each).</param>
/// <param name="RoundsByGroup">Distinct rounds aggregated by an aggregator of group 0 and of group 1.</param>
/// <param name="LongestGap">The longest stretch in it without an aggregation, in seconds (phase edges count).</param>
/// <param name="CrossRounds">Rounds in it whose trainers came from both groups.</param>
public sealed record PhaseResult(Phase Phase, int Rounds, (int Group0, int Group1) RoundsByGroup, double LongestGap, int CrossRounds)
{
    /// <summary>Rounds a minute.</summary>
    public double PerMinute => Phase.To > Phase.From ? Rounds * 60 / (Phase.To - Phase.From) : 0;
}

/// <summary>Rounds per phase and the recovery after a heal, from node telemetry or a simulator run: the same numbers for both.</summary>
public static class PhaseAnalysis
{
    /// <summary>Every phase's numbers.</summary>
    public static IReadOnlyList<PhaseResult> Phases(IReadOnlyList<AggregateEvent> aggregations, IReadOnlyList<Phase> phases)
    {
        ArgumentNullException.ThrowIfNull(aggregations);
        ArgumentNullException.ThrowIfNull(phases);
        var first = FirstOfEachRound(aggregations);
        return [.. phases.Select(phase =>
        {
            var inside = first.Where(a => a.Seconds >= phase.From && a.Seconds < phase.To).ToList();
            var byGroup = aggregations.Where(a => a.Seconds >= phase.From && a.Seconds < phase.To)
                .GroupBy(a => a.AggregatorGroup).ToDictionary(g => g.Key, g => g.Select(a => a.Round).Distinct().Count());
            var times = inside.Select(a => a.Seconds).Prepend(phase.From).Append(phase.To).Order().ToArray();
            var gap = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(phase.To - phase.From).Max();
            return new PhaseResult(phase, inside.Count, (byGroup.GetValueOrDefault(0), byGroup.GetValueOrDefault(1)), gap,
                inside.Count(a => a.TrainerGroups.Count > 1));
        })];
    }

    /// <summary>Seconds from <paramref name="healedAt"/> to the first aggregation after it of a round trained by both groups, or null.</summary>
    public static double? Recovery(IReadOnlyList<AggregateEvent> aggregations, double healedAt)
    {
        ArgumentNullException.ThrowIfNull(aggregations);
        return FirstOfEachRound(aggregations).Where(a => a.Seconds >= healedAt && a.TrainerGroups.Count > 1)
            .Select(a => (double?)(a.Seconds - healedAt)).Min();
    }

    /// <summary>A simulator run's rows as aggregations (time_s from 0; groups are slot mod 2, as the simulator splits).</summary>
    public static IReadOnlyList<AggregateEvent> FromSimulator(IEnumerable<RoundRow> rows, double offset)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows.Where(r => r.Role is null && r.Aggregators.Count > 0)
            .Select(r => new AggregateEvent(r.Round, r.TimeSeconds - offset, r.Aggregators[0] % 2, r.Sample.Select(s => s % 2).ToHashSet()))];
    }

    /// <summary>
    /// Node telemetry as aggregations: node i's file holds its trainer and aggregator rows (group
    /// i mod 2); a round's trainers are the nodes with a trainer row of it at most
    /// <paramref name="window"/> seconds before the aggregation (the two halves of a partition
    /// may run the same round numbers, at other times). Times are unix_s minus <paramref name="began"/>.
    /// </summary>
    public static IReadOnlyList<AggregateEvent> FromNodes(IReadOnlyList<IReadOnlyList<RoundRow>> rowsByNode, double began, double window)
    {
        ArgumentNullException.ThrowIfNull(rowsByNode);
        var trained = new Dictionary<long, List<(double At, int Group)>>();
        for (var i = 0; i < rowsByNode.Count; i++)
        {
            foreach (var row in rowsByNode[i].Where(r => r.Role == NodeRole.Trainer && r.UnixSeconds is not null))
            {
                (trained.TryGetValue(row.Round, out var list) ? list : trained[row.Round] = []).Add((row.UnixSeconds!.Value - began, i % 2));
            }
        }

        var result = new List<AggregateEvent>();
        for (var i = 0; i < rowsByNode.Count; i++)
        {
            foreach (var row in rowsByNode[i].Where(r => r.Role == NodeRole.Aggregator && r.UnixSeconds is not null))
            {
                var at = row.UnixSeconds!.Value - began;
                var groups = (trained.GetValueOrDefault(row.Round) ?? []).Where(t => t.At <= at && t.At >= at - window).Select(t => t.Group).ToHashSet();
                result.Add(new AggregateEvent(row.Round, at, i % 2, groups));
            }
        }

        return result;
    }

    private static List<AggregateEvent> FirstOfEachRound(IReadOnlyList<AggregateEvent> aggregations) =>
        [.. aggregations.GroupBy(a => a.Round).Select(g => g.MinBy(a => a.Seconds)!).OrderBy(a => a.Seconds)];
}
