namespace Decentral.Benchmarks;

/// <summary>Seeded synthetic model parameters.</summary>
internal static class GaussianData
{
    /// <summary>Normally distributed values with standard deviation <paramref name="sigma"/> (Box-Muller).</summary>
    public static float[] Gaussian(Random random, int length, float sigma)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            var u = 1 - random.NextDouble();
            var v = random.NextDouble();
            values[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }

        return values;
    }
}
