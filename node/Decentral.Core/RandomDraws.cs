namespace Decentral;

/// <summary>Draws from standard distributions on a caller's seeded <see cref="Random"/>.</summary>
public static class RandomDraws
{
    /// <summary>A standard normal draw (Box-Muller; one of the pair is discarded to keep the stream simple).</summary>
    public static double StandardNormal(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A Gamma(shape, 1) draw (Marsaglia-Tsang; shapes below 1 boosted by U^(1/shape)).</summary>
    public static double Gamma(Random random, double shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(shape > 0) || double.IsInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Gamma shape must be positive and finite.");
        }

        if (shape < 1)
        {
            double u = 1.0 - random.NextDouble();
            return Gamma(random, shape + 1) * Math.Pow(u, 1.0 / shape);
        }

        double d = shape - (1.0 / 3.0);
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x = StandardNormal(random);
            double v = 1.0 + (c * x);
            if (v <= 0)
            {
                continue;
            }

            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> with a Dirichlet(alpha, ..., alpha) draw.</summary>
    public static void Dirichlet(Random random, double alpha, Span<double> destination)
    {
        double sum = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Gamma(random, alpha);
            sum += destination[i];
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = sum > 0 ? destination[i] / sum : 1.0 / destination.Length;
        }
    }
}
