using System.Diagnostics;

namespace Decentral.Benchmarks;

/// <summary>One measured operation: what it does to how many input bytes.</summary>
/// <param name="Name">Row label.</param>
/// <param name="InputBytes">Bytes of float32 input one call processes (throughput is counted on these).</param>
/// <param name="Run">One call.</param>
internal sealed record BenchCase(string Name, long InputBytes, Action Run);

/// <summary>The medians of one case over the repetitions, and its ratio to the reference case.</summary>
/// <param name="Name">Row label.</param>
/// <param name="MegabytesPerSecond">Median throughput, MB/s (10^6 bytes) of input.</param>
/// <param name="RatioToReference">Median over repetitions of this case's throughput over the reference's in the same repetition.</param>
/// <param name="MinRatio">Smallest per-repetition ratio.</param>
/// <param name="MaxRatio">Largest per-repetition ratio.</param>
/// <param name="BytesAllocatedPerCall">Managed bytes allocated per call in steady state (median).</param>
internal sealed record BenchRow(string Name, double MegabytesPerSecond, double RatioToReference, double MinRatio, double MaxRatio, double BytesAllocatedPerCall);

/// <summary>
/// Times cases in the same process, interleaved: every repetition runs the reference and then each
/// case once, so a ratio compares two measurements taken moments apart and survives the machine's
/// speed drifting (other jobs on a shared machine). A sample is as many calls as fill about
/// <see cref="SampleSeconds"/>, after warm-up calls that JIT-compile the code and fill the pools.
/// </summary>
internal sealed class PairedHarness(int repetitions)
{
    private const double SampleSeconds = 0.05;

    public List<BenchRow> Run(BenchCase reference, IReadOnlyList<BenchCase> cases)
    {
        var all = new List<BenchCase> { reference };
        all.AddRange(cases);
        var calls = all.Select(Calibrate).ToArray();
        var speeds = all.Select(_ => new List<double>()).ToArray();
        var ratios = all.Select(_ => new List<double>()).ToArray();
        var allocations = all.Select(_ => new List<double>()).ToArray();
        for (var r = 0; r < repetitions; r++)
        {
            for (var c = 0; c < all.Count; c++)
            {
                var (seconds, allocated) = Sample(all[c], calls[c]);
                speeds[c].Add(all[c].InputBytes / seconds / 1e6);
                allocations[c].Add(allocated);
            }

            for (var c = 0; c < all.Count; c++)
            {
                ratios[c].Add(speeds[c][r] / speeds[0][r]);
            }
        }

        return [.. all.Select((c, i) => new BenchRow(c.Name, Median(speeds[i]), Median(ratios[i]), ratios[i].Min(), ratios[i].Max(), Median(allocations[i])))];
    }

    private static int Calibrate(BenchCase c)
    {
        // Warm-up: tiered JIT promotes hot methods to optimized code in the background, which takes a second or so of calls.
        var watch = Stopwatch.StartNew();
        var calls = 0;
        while (calls < 200 || watch.Elapsed.TotalSeconds < 1.0)
        {
            c.Run();
            calls++;
        }

        var perCall = watch.Elapsed.TotalSeconds / calls;
        return Math.Max(1, (int)(SampleSeconds / perCall));
    }

    private static (double SecondsPerCall, double BytesPerCall) Sample(BenchCase c, int calls)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            c.Run();
        }

        watch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return (watch.Elapsed.TotalSeconds / calls, allocated / (double)calls);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
