using System.Globalization;
using System.Text;
using Decentral.Aggregation;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>
/// Writes the robustness suite's results.md, runs.csv and plots: per data split, attack × defence
/// tables of final accuracy and time to target next to the attack-free runs, the Byzantine
/// aggregator table (with the mean accuracy over the last 5 virtual minutes), then the issue's goal (20% Byzantine trainers, the best defence within 3
/// points of the attack-free run on IID data) and the cost of each defence on non-IID data.
/// </summary>
/// <remarks>
/// Target of a split: 95% of the attack-free run's mean final accuracy with the mean rule (over
/// seeds), rounded down to 0.5%, the same for every run of the split. "Attack-free" is the
/// weighted mean without attackers: the reference every defence is measured against.
/// </remarks>
internal static class RobustnessReport
{
    private const string Clean = "clean";
    private const string Aggregator = "aggregator";

    public static string Write(string folder, string command, bool quick, IReadOnlyList<RunResult> results)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        var seeds = results.Select(r => r.Experiment.Seed).Distinct().Order().ToList();
        Line($"# Robustness results ({(quick ? "quick mode: softmax regression on MNIST, 20 virtual minutes" : "full mode: LeNet-5 (TorchSharp) on MNIST, 30 virtual minutes, f = 20% (the headline rows)")})");
        ReproductionReport.ProducedBy(Line, command);
        Line("MoDeST, 100 nodes, s = 10, sf = 1, a = 1 unless a row says otherwise, synthetic 227-site latency, 100 Mbit/s links.");
        Line("Attackers: round(f × 100) node slots drawn from the seed; signFlip sends start - 10u, scaling start + 10u (u = its honest update),");
        Line("noise adds N(0, 1) to every parameter, labelFlip trains on labels l -> 9 - l, alie sends the honest mean minus 1 standard deviation per");
        Line("coordinate (omniscient), a Byzantine aggregator sends the negated aggregate (`aggregator`), 10 times it (`aggregator-scale`) or it plus");
        Line("N(0, 1) per parameter (`aggregator-noise`). Defences: " + string.Join("; ", RobustnessPlan.Defences.Select(d => $"`{d.Id}` = {d.Label}")) + ".");
        Line($"Seeds: {string.Join(", ", seeds)}. A cell reads \"mean (min-max)\" over the seeds. Accuracy is the test accuracy of the model the first honest trainer of a round starts from.");
        Line("Target of a split: 95% of the attack-free final accuracy with the mean rule, rounded down to 0.5%; time to target is the mean over the seeds");
        Line("that reached it, with the count when some did not; \"-\" = no seed reached it.");
        Line();
        File.WriteAllText(Path.Combine(folder, "runs.csv"), RunsCsv(results));
        var goals = new List<string>();
        foreach (var group in results.GroupBy(r => r.Experiment.Group))
        {
            var runs = group.ToList();
            var target = Target(runs);
            Line($"## {group.Key}");
            Line();
            var s = runs[0].Experiment.Scenario;
            Line(Invariant($"{s.Learning.Model} on {s.Learning.Task}, {(s.Learning.Alpha > 0 ? $"Dirichlet alpha {s.Learning.Alpha}" : "IID")}, lr {s.Learning.LearningRate}, batch {s.Learning.BatchSize}, {s.Learning.LocalSteps} local steps, {s.Stop.Time.TotalMinutes:F0} virtual minutes."));
            Line();
            if (target is { } t)
            {
                Line(Invariant($"Target accuracy: {t * 100:F1}%."));
                Line();
            }

            WriteTrainerTables(Line, runs, target);
            WriteAggregatorTable(Line, runs, target);
            WritePlots(Line, folder, group.Key, runs, target);
            goals.AddRange(Goals(group.Key, runs));
        }

        Line("## Goals of the issue");
        Line();
        foreach (var goal in goals)
        {
            Line(goal);
        }

        var text = md.ToString();
        File.WriteAllText(Path.Combine(folder, "results.md"), text);
        return text;
    }

    private static double? Target(IReadOnlyList<RunResult> runs)
    {
        var clean = Spread.Of(Cell(runs, Clean, 0, "mean").Select(r => r.Final));
        return clean is { } c ? Math.Floor(c.Mean * 0.95 * 200) / 200 : null;
    }

    private static void WriteTrainerTables(Action<string> line, IReadOnlyList<RunResult> runs, double? target)
    {
        var defences = RobustnessPlan.Defences.Where(d => runs.Any(r => r.Experiment.Defence == d.Id)).ToList();
        var rows = new List<(string Attack, double Fraction)> { (Clean, 0) };
        rows.AddRange(runs.Where(r => r.Experiment.Attack != Clean && !IsAggregator(r.Experiment.Attack))
            .Select(r => (r.Experiment.Attack, r.Experiment.Fraction)).Distinct()
            .OrderBy(a => RobustnessPlan.TrainerAttacks.ToList().FindIndex(t => t.Id == a.Attack)).ThenBy(a => a.Fraction));
        foreach (var (title, cell) in new (string, Func<IReadOnlyList<RunResult>, string>)[]
        {
            ("Final accuracy", c => Percent(Spread.Of(c.Select(r => r.Final)))),
            ("Time to target (virtual minutes)", c => TimeToTarget(c, target)),
        })
        {
            line($"### {title}");
            line("");
            line($"| attack | f | {string.Join(" | ", defences.Select(d => d.Label))} |");
            line($"|---|---:|{string.Concat(defences.Select(_ => "---:|"))}");
            foreach (var (attack, fraction) in rows)
            {
                var cells = defences.Select(d => Cell(runs, attack, fraction, d.Id)).Select(c => c.Count == 0 ? "" : cell(c));
                line(Invariant($"| {(attack == Clean ? "none (attack-free)" : attack)} | {fraction * 100:F0}% | {string.Join(" | ", cells)} |"));
            }

            line("");
        }
    }

    private static void WriteAggregatorTable(Action<string> line, IReadOnlyList<RunResult> runs, double? target)
    {
        if (!runs.Any(r => IsAggregator(r.Experiment.Attack)))
        {
            return;
        }

        line("### A Byzantine aggregator");
        line("");
        line("Final accuracy / mean accuracy over the last 5 virtual minutes / time to target (virtual minutes). A poisoned round");
        line("drops the accuracy until honest rounds repair the model, so one final evaluation lands on a good or a bad moment;");
        line("the 5-minute mean says how much of the time the model is usable. Attack-free rows: a = 1 is the mean rule's attack-free run");
        line("(a = 3 with the first aggregate is not run: its honest aggregates are the same as a = 1's, only the traffic differs).");
        line("");
        line($"| f | {string.Join(" | ", RobustnessPlan.AggregatorSetups.Select(a => a.Label))} |");
        line($"|---:|{string.Concat(RobustnessPlan.AggregatorSetups.Select(_ => "---:|"))}");
        string Both(IReadOnlyList<RunResult> c) => c.Count == 0 ? "" : $"{Percent(Spread.Of(c.Select(r => r.Final)))} / {Percent(Spread.Of(c.Select(LastMinutes)))} / {TimeToTarget(c, target)}";
        line($"| 0% (attack-free) | {string.Join(" | ", RobustnessPlan.AggregatorSetups.Select(a => Both(CleanOf(runs, a))))} |");
        foreach (var (attack, fraction, name) in AggregatorRows(runs))
        {
            line(Invariant($"| {fraction * 100:F0}%{name} | {string.Join(" | ", RobustnessPlan.AggregatorSetups.Select(a => Both(Cell(runs, attack, fraction, a.Id))))} |"));
        }

        line("");
    }

    private static bool IsAggregator(string attack) => RobustnessPlan.AggregatorAttacks.Any(a => a.Attack == attack);

    // The aggregator attacks run, each at its fractions: the negation's rows bare, the others' named.
    private static IEnumerable<(string Attack, double Fraction, string Name)> AggregatorRows(IReadOnlyList<RunResult> runs) =>
        RobustnessPlan.AggregatorAttacks.SelectMany(a => runs.Where(r => r.Experiment.Attack == a.Attack).Select(r => r.Experiment.Fraction).Distinct().Order()
            .Select(f => (a.Attack, f, a.Attack == Aggregator ? "" : $", {a.Label}")));

    private static void WritePlots(Action<string> line, string folder, string group, IReadOnlyList<RunResult> runs, double? target)
    {
        const double Headline = 0.2;
        var clean = Cell(runs, Clean, 0, "mean");
        var attacked = runs.Where(r => r.Experiment.Attack != Clean && !IsAggregator(r.Experiment.Attack) && Math.Abs(r.Experiment.Fraction - Headline) < 1e-9).ToList();
        if (attacked.Count == 0 || clean.Count == 0)
        {
            return;
        }

        var withMean = attacked.Where(r => r.Experiment.Defence == "mean");
        var withBest = attacked.GroupBy(r => r.Experiment.Attack).SelectMany(g => Best(g.ToList()));
        var aggregators = runs.Where(r => IsAggregator(r.Experiment.Attack) && Math.Abs(r.Experiment.Fraction - Headline) < 1e-9);
        var meanPlot = $"{group}-f20-mean.png";
        var bestPlot = $"{group}-f20-best.png";
        var aggregatorPlot = $"{group}-f20-aggregator.png";
        ReproductionPlots.WriteByLabel(folder, meanPlot, $"{group}: 20% attackers, mean rule", [.. clean, .. withMean], Label, target);
        ReproductionPlots.WriteByLabel(folder, bestPlot, $"{group}: 20% attackers, best defence per attack", [.. clean, .. withBest], Label, target);
        ReproductionPlots.WriteByLabel(folder, aggregatorPlot, $"{group}: 20% Byzantine aggregators", [.. clean, .. aggregators], Label, target);
        line($"![{group} mean]({meanPlot}) ![{group} best]({bestPlot}) ![{group} aggregator]({aggregatorPlot})");
        line("");

        static string Label(RunResult r) => r.Experiment.Attack == Clean ? "attack-free, mean" : $"{r.Experiment.Attack}, {r.Experiment.Defence}";
    }

    // The runs of the defence with the highest mean final accuracy among those of one attack and fraction.
    private static List<RunResult> Best(IReadOnlyList<RunResult> runs) =>
        runs.GroupBy(r => r.Experiment.Defence).OrderByDescending(g => g.Average(r => r.Final)).First().ToList();

    private static IEnumerable<string> Goals(string group, IReadOnlyList<RunResult> runs)
    {
        var iid = runs[0].Experiment.Scenario.Learning.Alpha == 0;
        var clean = Spread.Of(Cell(runs, Clean, 0, "mean").Select(r => r.Final));
        if (clean is not { } reference)
        {
            yield break;
        }

        var lines = new List<string>
        {
            Invariant($"**{group}** ({(iid ? "goal: 20% Byzantine trainers and the best defence within 3 points of the attack-free run" : "non-IID: what robustness costs")}; attack-free with the mean: {reference.Mean * 100:F1}%)."),
            "",
            "| attack, f = 20% | mean rule | best defence | its final accuracy | gap to attack-free (points) | within 3 points |",
            "|---|---:|---|---:|---:|---|",
        };
        foreach (var attack in RobustnessPlan.TrainerAttacks.Select(a => a.Id))
        {
            var headline = runs.Where(r => r.Experiment.Attack == attack && Math.Abs(r.Experiment.Fraction - 0.2) < 1e-9).ToList();
            if (headline.Count == 0)
            {
                continue;
            }

            var best = Best(headline);
            var mean = Spread.Of(headline.Where(r => r.Experiment.Defence == "mean").Select(r => r.Final));
            var final = best.Average(r => r.Final);
            var gap = (reference.Mean - final) * 100;
            lines.Add(Invariant($"| {attack} | {Percent(mean)} | {best[0].Experiment.Defence} | {final * 100:F1}% | {gap:F1} | {(gap <= 3 ? "yes" : "no")} |"));
        }

        // One defence for every attack: the one whose worst attack at 20% is the least bad.
        var single = RobustnessPlan.Defences
            .Select(d => (d.Id, Worst: RobustnessPlan.TrainerAttacks.Select(a => Cell(runs, a.Id, 0.2, d.Id)).Where(c => c.Count > 0).Select(c => c.Average(r => r.Final)).DefaultIfEmpty(double.NaN).Min()))
            .Where(d => double.IsFinite(d.Worst))
            .OrderByDescending(d => d.Worst)
            .FirstOrDefault();
        lines.Add("");
        if (single.Id is not null)
        {
            lines.Add(Invariant($"One defence for all attacks at 20%: `{single.Id}`, worst final accuracy {single.Worst * 100:F1}% ({(reference.Mean - single.Worst) * 100:F1} points below attack-free)."));
        }

        var costs = RobustnessPlan.Defences.Skip(1)
            .Select(d => (d.Id, Final: Spread.Of(Cell(runs, Clean, 0, d.Id).Select(r => r.Final))))
            .Where(c => c.Final is not null)
            .Select(c => $"`{c.Id}` {Points(c.Final!.Value.Mean - reference.Mean)}");
        lines.Add($"Cost of each defence without attack (final accuracy against the mean rule, points): {string.Join(", ", costs)}.");
        foreach (var (attack, fraction, name) in AggregatorRows(runs))
        {
            var setups = RobustnessPlan.AggregatorSetups
                .Select(a => (a.Label, Runs: Cell(runs, attack, fraction, a.Id)))
                .Where(a => a.Runs.Count > 0)
                .Select(a => Invariant($"{a.Label}: {a.Runs.Average(LastMinutes) * 100:F1}%"));
            lines.Add(Invariant($"Byzantine aggregators{(name.Length > 0 ? $" ({name[2..]})" : "")} at f = {fraction * 100:F0}%, mean accuracy over the last 5 minutes: {string.Join("; ", setups)}."));
        }

        lines.Add("");
        foreach (var l in lines)
        {
            yield return l;
        }
    }

    // The attack-free runs of an aggregator setup: the mean rule's for plain a = 1, none for a = 3
    // taking the first aggregate, the setup's own for a trainer-side defence.
    private static List<RunResult> CleanOf(IReadOnlyList<RunResult> runs, Defence setup) => setup.Id switch
    {
        "a1" => Cell(runs, Clean, 0, "mean"),
        "a3" => [],
        _ => Cell(runs, Clean, 0, setup.Id),
    };

    private static List<RunResult> Cell(IReadOnlyList<RunResult> runs, string attack, double fraction, string defence) =>
        [.. runs.Where(r => r.Experiment.Attack == attack && Math.Abs(r.Experiment.Fraction - fraction) < 1e-9 && r.Experiment.Defence == defence).OrderBy(r => r.Experiment.Seed)];

    private static string TimeToTarget(IReadOnlyList<RunResult> runs, double? target)
    {
        if (target is not { } t)
        {
            return "-";
        }

        var hits = runs.Select(r => r.FirstReaching(t)).OfType<CurvePoint>().ToList();
        var cell = ReproductionReport.Cell(Spread.Of(hits.Select(h => h.Seconds / 60)), v => Invariant($"{v:F1}"), "");
        return hits.Count == runs.Count || hits.Count == 0 ? cell : $"{cell} [{hits.Count}/{runs.Count}]";
    }

    /// <summary>The mean accuracy of the evaluations in the last 5 virtual minutes of a run.</summary>
    internal static double LastMinutes(RunResult run)
    {
        var end = run.Experiment.Scenario.Stop.Time.TotalSeconds - 300;
        var last = run.Curve.Where(p => p.Seconds > end).Select(p => p.Metric).ToList();
        return last.Count == 0 ? double.NaN : last.Average();
    }

    // A difference in points with its sign: "+0.4", "-7.1", "0.0".
    private static string Points(double difference)
    {
        var rounded = Math.Round(difference * 100, 1);
        return rounded == 0 ? "0.0" : rounded.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
    }

    private static string Percent(Spread? spread) => ReproductionReport.Cell(spread, v => Invariant($"{v * 100:F1}"), "%");

    private static string RunsCsv(IReadOnlyList<RunResult> results)
    {
        var csv = new StringBuilder("id,group,attack,fraction,defence,seed,final_accuracy,last_5min_accuracy,best_accuracy,rounds,rejected_norm,rejected_non_finite,rejected_aggregate_far,rejected_aggregate_change,wall_seconds\n");
        foreach (var r in results)
        {
            var e = r.Experiment;
            csv.Append(CultureInfo.InvariantCulture, $"{e.Id},{e.Group},{e.Attack},{e.Fraction},{e.Defence},{e.Seed},{r.Final:F4},{LastMinutes(r):F4},{r.Best:F4},{r.Summary.Rounds},{r.Summary.Rejections.GetValueOrDefault(RejectionReason.Norm)},{r.Summary.Rejections.GetValueOrDefault(RejectionReason.NonFinite)},{r.Summary.Rejections.GetValueOrDefault(RejectionReason.AggregateFar)},{r.Summary.Rejections.GetValueOrDefault(RejectionReason.AggregateChange)},{r.WallSeconds:F1}\n");
        }

        return csv.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
