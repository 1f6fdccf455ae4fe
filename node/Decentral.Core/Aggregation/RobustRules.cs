using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Decentral.Aggregation;

/// <summary>The weighted mean by sample counts (<see cref="FedAvg.Average(IReadOnlyList{WeightedModel}, Span{float})"/>): the default rule.</summary>
internal sealed class MeanRule : IAggregationRule
{
    public static MeanRule Instance { get; } = new();

    public string Name => AggregationRules.Mean;

    public AggregationResult Aggregate(IReadOnlyList<WeightedModel> models, Span<float> destination) => FedAvg.Average(models, destination);
}

/// <summary>
/// The coordinate-wise median: for an odd n the middle value of every coordinate, for an even n
/// the mean of the two middle ones. Any fewer than half of the models can move a coordinate only
/// within the range of the others.
/// </summary>
internal sealed class MedianRule : IAggregationRule
{
    public static MedianRule Instance { get; } = new();

    public string Name => AggregationRules.Median;

    public AggregationResult Aggregate(IReadOnlyList<WeightedModel> models, Span<float> destination)
    {
        var check = AggregationRules.Rows(models, destination.Length, out var rows);
        if (!check.Ok)
        {
            return check;
        }

        var n = models.Count;
        OrderStatistics.MeanOfSortedRange(rows.AsSpan(0, n), (n - 1) / 2, (n / 2) + 1, destination);
        AggregationRules.Return(rows);
        return AggregationResult.Success;
    }
}

/// <summary>
/// The coordinate-wise trimmed mean: every coordinate drops its floor(fraction × n) lowest and
/// highest values (at most (n − 1) / 2 each, so one value always stays) and averages the rest.
/// </summary>
internal sealed class TrimmedMeanRule(double fraction) : IAggregationRule
{
    public string Name => AggregationRules.TrimmedMean;

    /// <summary>Values cut at each end of a coordinate when there are <paramref name="n"/> models.</summary>
    public int Trimmed(int n) => Math.Min((int)Math.Floor((fraction * n) + 1e-9), (n - 1) / 2);

    public AggregationResult Aggregate(IReadOnlyList<WeightedModel> models, Span<float> destination)
    {
        var check = AggregationRules.Rows(models, destination.Length, out var rows);
        if (!check.Ok)
        {
            return check;
        }

        var n = models.Count;
        var cut = Trimmed(n);
        OrderStatistics.MeanOfSortedRange(rows.AsSpan(0, n), cut, n - cut, destination);
        AggregationRules.Return(rows);
        return AggregationResult.Success;
    }
}

/// <summary>
/// The norm-clipped mean, centred on the coordinate-wise median c of the round: each model's
/// deviation m − c is scaled down to length at most τ, then the deviations are averaged and added
/// to c. τ is the absolute clip norm when set, else clip ratio × the median deviation length. One
/// model moves the result by at most τ / n from c, however large it is.
/// </summary>
internal sealed class ClippedMeanRule(double ratio, double norm) : IAggregationRule
{
    private const int BlockLength = 2048;

    public string Name => AggregationRules.ClippedMean;

    public AggregationResult Aggregate(IReadOnlyList<WeightedModel> models, Span<float> destination)
    {
        var check = AggregationRules.Rows(models, destination.Length, out var rows);
        if (!check.Ok)
        {
            return check;
        }

        var n = models.Count;
        var length = destination.Length;
        var centre = ArrayPool<float>.Shared.Rent(length);
        var span = rows.AsSpan(0, n);
        OrderStatistics.MeanOfSortedRange(span, (n - 1) / 2, (n / 2) + 1, centre.AsSpan(0, length));
        Span<double> scales = n <= 256 ? stackalloc double[n] : new double[n];
        for (var k = 0; k < n; k++)
        {
            scales[k] = Math.Sqrt(Distances.Squared(rows[k].AsSpan(0, length), centre.AsSpan(0, length)));
        }

        var radius = norm > 0 ? norm : ratio * Distances.Median(scales);
        for (var k = 0; k < n; k++)
        {
            scales[k] = scales[k] > radius ? radius / scales[k] : 1.0;
        }

        Span<double> sums = stackalloc double[BlockLength];
        for (var start = 0; start < length; start += BlockLength)
        {
            var block = Math.Min(BlockLength, length - start);
            var sum = sums[..block];
            sum.Clear();
            var c = centre.AsSpan(start, block);
            for (var k = 0; k < n; k++)
            {
                AddScaledDeviation(sum, rows[k].AsSpan(start, block), c, scales[k]);
            }

            for (var i = 0; i < block; i++)
            {
                destination[start + i] = (float)(c[i] + (sum[i] / n));
            }
        }

        ArrayPool<float>.Shared.Return(centre);
        AggregationRules.Return(rows);
        return AggregationResult.Success;
    }

    // sums[i] += scale * (values[i] - centre[i]) in double: one subtract, one multiply and one add
    // per element on both paths (no fused multiply-add), so the bits do not depend on the SIMD width.
    private static void AddScaledDeviation(Span<double> sums, ReadOnlySpan<float> values, ReadOnlySpan<float> centre, double scale)
    {
        var done = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var v = MemoryMarshal.Cast<float, Vector<float>>(values);
            var c = MemoryMarshal.Cast<float, Vector<float>>(centre);
            var s = MemoryMarshal.Cast<double, Vector<double>>(sums[..(v.Length * Vector<float>.Count)]);
            var w = new Vector<double>(scale);
            for (var k = 0; k < v.Length; k++)
            {
                Vector.Widen(v[k], out var vl, out var vu);
                Vector.Widen(c[k], out var cl, out var cu);
                s[2 * k] += (vl - cl) * w;
                s[(2 * k) + 1] += (vu - cu) * w;
            }

            done = v.Length * Vector<float>.Count;
        }

        for (var i = done; i < values.Length; i++)
        {
            sums[i] += ((double)values[i] - centre[i]) * scale;
        }
    }
}

/// <summary>
/// Krum: each model's score is the sum of its squared distances to its n − f − 2 nearest others
/// (at least 1, at most n − 1); the model with the lowest score wins (ties: the lexicographically
/// smaller model, whatever the input order). Multi-Krum averages the <c>select</c> best (unweighted). With n &gt; 2f + 2 the winner
/// is close to the honest models whatever f models send.
/// </summary>
internal sealed class KrumRule(int byzantine, int select) : IAggregationRule
{
    public string Name => AggregationRules.Krum;

    public AggregationResult Aggregate(IReadOnlyList<WeightedModel> models, Span<float> destination)
    {
        var check = AggregationRules.Rows(models, destination.Length, out var rows);
        if (!check.Ok)
        {
            return check;
        }

        var chosen = Select(rows.AsSpan(0, models.Count), destination.Length);
        AggregationRules.Return(rows);
        if (chosen.Length == 1)
        {
            models[chosen[0]].Model.Parameters.AsSpan(0, destination.Length).CopyTo(destination);
            return AggregationResult.Success;
        }

        return FedAvg.Average([.. chosen.Select(k => models[k] with { Weight = 1 })], destination);
    }

    /// <summary>The indices of the models Krum keeps, best first.</summary>
    public int[] Select(ReadOnlySpan<float[]> rows, int length)
    {
        var n = rows.Length;
        var matrix = ArrayPool<double>.Shared.Rent(n * n);
        Distances.Pairwise(rows, length, matrix);
        var nearest = Math.Clamp(n - byzantine - 2, 1, Math.Max(1, n - 1));
        var scores = new double[n];
        var others = new double[Math.Max(1, n - 1)];
        for (var i = 0; i < n; i++)
        {
            var count = 0;
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    others[count++] = matrix[(i * n) + j];
                }
            }

            Array.Sort(others, 0, count);
            double score = 0;
            for (var t = 0; t < Math.Min(nearest, count); t++)
            {
                score += others[t];
            }

            scores[i] = score;
        }

        ArrayPool<double>.Shared.Return(matrix);
        var byScore = Enumerable.Range(0, n).ToArray();
        var arrays = rows.ToArray();
        Array.Sort(byScore, (a, b) => scores[a] != scores[b] ? scores[a].CompareTo(scores[b]) : Lexicographic(arrays[a], arrays[b], length));
        return byScore[..Math.Min(select, n)];
    }

    // Ties (two mutual nearest neighbours share a score) go to the lexicographically smaller
    // model, not to the earlier one, so the choice does not depend on the order of the inputs.
    private static int Lexicographic(float[] a, float[] b, int length)
    {
        for (var i = 0; i < length; i++)
        {
            var c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }
}
