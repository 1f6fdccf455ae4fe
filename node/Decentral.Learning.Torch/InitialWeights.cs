namespace Decentral.Learning.Torch;

/// <summary>
/// Deterministic initial parameters drawn from System.Random rather than torch.manual_seed:
/// torch's generator is process-global, so seeding it would race between threads that build
/// models at the same time. The distributions match PyTorch's defaults for each layer type.
/// </summary>
internal static class InitialWeights
{
    /// <summary>
    /// PyTorch's default for Conv2d and Linear: weights and biases uniform in
    /// +-1/sqrt(fan_in), fan_in being the weight's size per output unit. A rank-1 tensor is the
    /// bias of the weight before it.
    /// </summary>
    public static void FanInUniform(IReadOnlyList<long[]> shapes, Random random, Span<float> destination)
    {
        int offset = 0;
        double bound = 0;
        foreach (long[] shape in shapes)
        {
            int length = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            if (shape.Length >= 2)
            {
                bound = 1.0 / Math.Sqrt(length / shape[0]);
            }
            else if (bound == 0)
            {
                throw new InvalidOperationException("A bias must follow its weight.");
            }

            Uniform(random, bound, destination.Slice(offset, length));
            offset += length;
        }
    }

    /// <summary>Fills <paramref name="destination"/> uniformly in [-bound, bound).</summary>
    public static void Uniform(Random random, double bound, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with N(0, std^2) samples (Box-Muller).</summary>
    public static void Normal(Random random, double std, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            double radius = std * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            double angle = 2 * Math.PI * random.NextDouble();
            destination[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = (float)(radius * Math.Sin(angle));
            }
        }
    }
}
