using System.Diagnostics;
using System.Globalization;
using Decentral.Aggregation;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Benchmarks;

/// <summary>
/// The aggregation rules against the weighted mean: n models of P parameters, every rule timed
/// in turn within each repeat (so all see the same machine state), medians over repeats, and
/// each rule's time as a ratio to the mean's time of the same repeat. Also a naive median (gather
/// each coordinate, Array.Sort, take the middle) to show what the sorting network buys, memcpy of
/// the n inputs as the memory-speed floor, and the validation pass with a relative norm bound.
/// </summary>
internal static class AggregationBenchmark
{
    public static int Run(string[] args)
    {
        var sizes = new List<int> { 61_706, 1_000_000 };
        var models = 10;
        var repeats = 15;
        string? outPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--params":
                    sizes = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
                    break;
                case "--models":
                    models = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--repeats":
                    repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--out":
                    outPath = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'");
                    return 2;
            }
        }

        var lines = new List<string>
        {
            "| parameters | models | what | median ms | MB/s of input | time / mean (median of per-repeat ratios) | bytes allocated per call |",
            "|---:|---:|---|---:|---:|---:|---:|",
        };
        foreach (var size in sizes)
        {
            foreach (var row in Measure(size, models, repeats))
            {
                Console.WriteLine(row);
                lines.Add(row);
            }
        }

        if (outPath is not null)
        {
            File.WriteAllLines(outPath, lines);
        }

        return 0;
    }

    private static List<string> Measure(int size, int n, int repeats)
    {
        var random = new Random(size);
        var inputs = Enumerable.Range(0, n).Select(_ => new WeightedModel(new ModelVector("bench", [.. Enumerable.Range(0, size).Select(_ => (float)((random.NextDouble() * 2) - 1))]), 100)).ToArray();
        var destination = new float[size];
        var validator = new RobustnessOptions { MaxNormRatio = 3 }.CreateValidator();
        var cases = new List<(string Name, Action Run)>
        {
            ("mean (FedAvg, the default)", Rule(new RobustnessOptions(), inputs, destination)),
            ("median", Rule(new RobustnessOptions { Rule = AggregationRules.Median }, inputs, destination)),
            ("trimmed mean (0.2)", Rule(new RobustnessOptions { Rule = AggregationRules.TrimmedMean, TrimFraction = 0.2 }, inputs, destination)),
            ("clipped mean", Rule(new RobustnessOptions { Rule = AggregationRules.ClippedMean }, inputs, destination)),
            ("Krum (f = 2)", Rule(new RobustnessOptions { Rule = AggregationRules.Krum, KrumByzantine = 2 }, inputs, destination)),
            ($"multi-Krum (f = 2, m = {n - 4})", Rule(new RobustnessOptions { Rule = AggregationRules.Krum, KrumByzantine = 2, KrumSelect = n - 4 }, inputs, destination)),
            ("validation (finite, relative norm bound)", () => validator.Validate(inputs)),
            ("naive median (gather, Array.Sort per coordinate)", () => NaiveMedian(inputs, destination)),
            ("memcpy of the inputs", () => Copy(inputs, destination)),
        };

        // Warm-up: JIT tiers, pools and caches.
        foreach (var (_, run) in cases)
        {
            for (var w = 0; w < 3; w++)
            {
                run();
            }
        }

        var times = cases.Select(_ => new List<double>()).ToArray();
        var allocated = new long[cases.Count];
        for (var r = 0; r < repeats; r++)
        {
            for (var c = 0; c < cases.Count; c++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                cases[c].Run();
                watch.Stop();
                allocated[c] = GC.GetAllocatedBytesForCurrentThread() - before;
                times[c].Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        var inputBytes = (double)n * size * sizeof(float);
        var rows = new List<string>();
        for (var c = 0; c < cases.Count; c++)
        {
            var median = Median(times[c]);
            var ratio = Median([.. times[c].Zip(times[0], (t, mean) => t / mean)]);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {size:N0} | {n} | {cases[c].Name} | {median:F3} | {inputBytes / 1e6 / (median / 1e3):F0} | {ratio:F2} | {allocated[c]:N0} |"));
        }

        return rows;
    }

    private static Action Rule(RobustnessOptions options, WeightedModel[] inputs, float[] destination)
    {
        var rule = options.CreateRule();
        return () =>
        {
            if (!rule.Aggregate(inputs, destination).Ok)
            {
                throw new InvalidOperationException(rule.Name + " failed");
            }
        };
    }

    private static void NaiveMedian(WeightedModel[] inputs, float[] destination)
    {
        var column = new float[inputs.Length];
        for (var i = 0; i < destination.Length; i++)
        {
            for (var k = 0; k < inputs.Length; k++)
            {
                column[k] = inputs[k].Model.Parameters[i];
            }

            Array.Sort(column);
            var middle = column.Length / 2;
            destination[i] = column.Length % 2 == 1 ? column[middle] : (float)(((double)column[middle - 1] + column[middle]) / 2);
        }
    }

    private static void Copy(WeightedModel[] inputs, float[] destination)
    {
        foreach (var input in inputs)
        {
            input.Model.Parameters.AsSpan().CopyTo(destination);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
