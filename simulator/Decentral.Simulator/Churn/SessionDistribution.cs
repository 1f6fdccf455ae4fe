using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Churn;

/// <summary>
/// A distribution of durations (session lengths, offline periods), sampled with a caller's
/// seeded <see cref="Random"/> so the caller controls the random stream.
/// </summary>
public abstract class SessionDistribution
{
    /// <summary>Draws one duration in ticks (at least 1).</summary>
    public long Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Math.Max(1, SimTime.FromSeconds(Math.Min(SampleSeconds(random), 1e9)));
    }

    /// <summary>Draws one duration in seconds.</summary>
    protected abstract double SampleSeconds(Random random);

    /// <summary>Weibull with shape k and scale; P2P session lengths fit k ~ 0.34-0.82 (heavy-tailed for k &lt; 1).</summary>
    public static SessionDistribution Weibull(double shape, TimeSpan scale) => new WeibullDistribution(shape, Positive(scale));

    /// <summary>Lognormal: ln(seconds) ~ Normal(mu, sigma); P2P traces fit sigma ~ 1.0-1.8.</summary>
    public static SessionDistribution LogNormal(double mu, double sigma) => new LogNormalDistribution(mu, sigma);

    /// <summary>Exponential with the given mean (memoryless; gaps of a Poisson process).</summary>
    public static SessionDistribution Exponential(TimeSpan mean) => new ExponentialDistribution(Positive(mean));

    /// <summary>Always the same duration.</summary>
    public static SessionDistribution Fixed(TimeSpan duration) => new FixedDistribution(Positive(duration));

    private static double Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value.TotalSeconds : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be positive.");

    private sealed class WeibullDistribution : SessionDistribution
    {
        private readonly double _shape;
        private readonly double _scale;

        public WeibullDistribution(double shape, double scaleSeconds)
        {
            if (!(shape > 0) || double.IsInfinity(shape))
            {
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "Weibull shape must be positive and finite.");
            }

            _shape = shape;
            _scale = scaleSeconds;
        }

        // Inverse CDF: scale * (-ln U)^(1/k).
        protected override double SampleSeconds(Random random) => _scale * Math.Pow(-Math.Log(1.0 - random.NextDouble()), 1.0 / _shape);
    }

    private sealed class LogNormalDistribution : SessionDistribution
    {
        private readonly double _mu;
        private readonly double _sigma;

        public LogNormalDistribution(double mu, double sigma)
        {
            if (!double.IsFinite(mu) || !(sigma > 0) || double.IsInfinity(sigma))
            {
                throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Lognormal needs finite mu and positive finite sigma.");
            }

            _mu = mu;
            _sigma = sigma;
        }

        protected override double SampleSeconds(Random random) => Math.Exp(_mu + (_sigma * RandomDraws.StandardNormal(random)));
    }

    private sealed class ExponentialDistribution(double meanSeconds) : SessionDistribution
    {
        protected override double SampleSeconds(Random random) => -meanSeconds * Math.Log(1.0 - random.NextDouble());
    }

    private sealed class FixedDistribution(double seconds) : SessionDistribution
    {
        protected override double SampleSeconds(Random random) => seconds;
    }
}
