namespace Decentral.Simulator.Network;

/// <summary>
/// A latency distribution given by quantile knots, interpolated linearly in log(latency) between
/// knots and sampled by inverse transform. Knots pin the quantiles exactly, which a two-parameter
/// family cannot do here: the target is skewed both ways (median 67 ms but p10 16 ms and p90
/// 133 ms, so the left tail is much wider in log space than the right one).
/// </summary>
public sealed class LatencyDistribution
{
    private readonly double[] _probabilities;
    private readonly double[] _logMilliseconds;

    /// <summary>Creates a distribution from (cumulative probability, milliseconds) knots.</summary>
    /// <param name="knots">Strictly increasing probabilities from 0 to 1 with strictly increasing positive latencies.</param>
    public LatencyDistribution(IReadOnlyList<(double Probability, double Milliseconds)> knots)
    {
        ArgumentNullException.ThrowIfNull(knots);
        if (knots.Count < 2 || knots[0].Probability != 0 || knots[^1].Probability != 1)
        {
            throw new ArgumentException("Knots must start at probability 0 and end at probability 1.", nameof(knots));
        }

        _probabilities = new double[knots.Count];
        _logMilliseconds = new double[knots.Count];
        for (int i = 0; i < knots.Count; i++)
        {
            var (p, ms) = knots[i];
            if (!(ms > 0) || double.IsInfinity(ms) || (i > 0 && (p <= knots[i - 1].Probability || ms <= knots[i - 1].Milliseconds)))
            {
                throw new ArgumentException($"Knot {i} ({p}, {ms} ms) is not increasing, positive and finite.", nameof(knots));
            }

            _probabilities[i] = p;
            _logMilliseconds[i] = Math.Log(ms);
        }
    }

    /// <summary>
    /// The fit to the MoDeST site matrix facts: min 1 ms (same data centre), p10 16 ms, median
    /// 67 ms, p90 133 ms, max 812 ms. The p99 knot (300 ms) is an assumption that puts a thin
    /// intercontinental tail between p90 and the maximum.
    /// </summary>
    public static LatencyDistribution ModestSites { get; } = new(
    [
        (0.0, 1.0),
        (0.1, 16.0),
        (0.5, 67.0),
        (0.9, 133.0),
        (0.99, 300.0),
        (1.0, 812.0),
    ]);

    /// <summary>The latency in milliseconds at cumulative probability <paramref name="p"/> in [0,1].</summary>
    public double Quantile(double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Probability must be in [0,1].");
        }

        int hi = 1;
        while (hi < _probabilities.Length - 1 && _probabilities[hi] < p)
        {
            hi++;
        }

        int lo = hi - 1;
        double t = (p - _probabilities[lo]) / (_probabilities[hi] - _probabilities[lo]);
        return Math.Exp(_logMilliseconds[lo] + (t * (_logMilliseconds[hi] - _logMilliseconds[lo])));
    }

    /// <summary>Draws one latency in milliseconds.</summary>
    public double Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Quantile(random.NextDouble());
    }
}
