namespace Decentral;

/// <summary>
/// Derives independent, reproducible seeds from a run seed and a stream (node index, round,
/// purpose) with the SplitMix64 finalizer. Never <see cref="HashCode"/> or string.GetHashCode:
/// they are randomized per process, so runs would not repeat.
/// </summary>
public static class Seeds
{
    /// <summary>A seed for stream <paramref name="stream"/> of run seed <paramref name="seed"/>.</summary>
    public static int Derive(long seed, long stream)
    {
        var z = unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) + (ulong)stream + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }

    /// <summary>A seed derived from three parts (for example run seed, node, round).</summary>
    public static int Derive(long seed, long stream, long substream) => Derive(Derive(seed, stream), substream);

    /// <summary>
    /// A seed for a named purpose ("network", "churn", ...) and index: the purpose is hashed with
    /// 64-bit FNV-1a (stable across processes and platforms) into the stream number.
    /// </summary>
    public static int Derive(long seed, string purpose, long index)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in purpose)
        {
            hash = unchecked((hash ^ c) * 0x100000001B3UL);
        }

        return Derive(seed, unchecked((long)hash), index);
    }
}
