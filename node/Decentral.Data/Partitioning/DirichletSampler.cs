namespace Decentral.Data.Partitioning;

/// <summary>
/// Draws from a symmetric Dirichlet distribution with only System.Random, via normalised
/// Gamma(alpha) draws (Marsaglia and Tsang's method). Works in log space, because for the
/// small alphas used for label skew (0.01..0.1) most Gamma draws underflow a double.
/// </summary>
internal static class DirichletSampler
{
    /// <summary>Fills <paramref name="shares"/> with one Dirichlet(alpha, ..., alpha) draw; the shares sum to 1.</summary>
    public static void Sample(Random random, double alpha, Span<double> shares)
    {
        var max = double.NegativeInfinity;
        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] = LogGamma(random, alpha);
            max = Math.Max(max, shares[i]);
        }

        var sum = 0.0;
        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] = Math.Exp(shares[i] - max);
            sum += shares[i];
        }

        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] /= sum;
        }
    }

    /// <summary>The logarithm of a Gamma(shape, 1) draw.</summary>
    internal static double LogGamma(Random random, double shape)
    {
        if (shape < 1)
        {
            // Gamma(a) = Gamma(a + 1) * U^(1/a); the power is what underflows, so add logs instead.
            return LogGamma(random, shape + 1) + (Math.Log(Uniform(random)) / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            var x = Normal(random);
            var v = 1 + (c * x);
            if (v <= 0)
            {
                continue;
            }

            v = v * v * v;
            if (Math.Log(Uniform(random)) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return Math.Log(d * v);
            }
        }
    }

    // In (0, 1]: never 0, so its logarithm is finite.
    private static double Uniform(Random random) => 1.0 - random.NextDouble();

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(Uniform(random))) * Math.Cos(2 * Math.PI * random.NextDouble());
}
