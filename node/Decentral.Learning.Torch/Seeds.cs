namespace Decentral.Learning.Torch;

/// <summary>Derives independent, reproducible seeds; System.HashCode is randomised per process, so it cannot be used.</summary>
internal static class Seeds
{
    /// <summary>A 32-bit seed from two inputs via the SplitMix64 finaliser.</summary>
    public static int Mix(long a, long b)
    {
        ulong z = unchecked(((ulong)a * 0x9E3779B97F4A7C15UL) + (ulong)b + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }

    /// <summary>Fisher-Yates shuffle of <paramref name="values"/> in place.</summary>
    public static void Shuffle(Random random, Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
