namespace Decentral.Simulator.Network;

/// <summary>One-way network delay between two nodes.</summary>
public interface ILatencyModel
{
    /// <summary>One-way delay in ticks for a message from <paramref name="from"/> to <paramref name="to"/>.</summary>
    long OneWayDelay(int from, int to);
}

/// <summary>The same delay between every pair of nodes (useful in tests).</summary>
public sealed class ConstantLatencyModel : ILatencyModel
{
    private readonly long _delay;

    /// <summary>Creates a model with a fixed one-way delay.</summary>
    public ConstantLatencyModel(TimeSpan delay) => _delay = Engine.SimTime.FromTimeSpan(delay);

    /// <inheritdoc />
    public long OneWayDelay(int from, int to) => _delay;
}

/// <summary>
/// Delays from a site-to-site matrix: node i sits at site <c>permutation[i mod S]</c>, where the
/// permutation of the S sites is drawn from a seed. That is the anchors' round-robin assignment,
/// with the seed deciding which sites the first nodes get. Costs O(S) memory, nothing per node.
/// </summary>
public sealed class SiteLatencyModel : ILatencyModel
{
    private readonly SiteLatencyMatrix _matrix;
    private readonly int[] _siteOrder;

    /// <summary>Creates the model over <paramref name="matrix"/> with a seeded site order.</summary>
    public SiteLatencyModel(SiteLatencyMatrix matrix, int seed)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        _matrix = matrix;
        _siteOrder = new int[matrix.Sites];
        for (int i = 0; i < _siteOrder.Length; i++)
        {
            _siteOrder[i] = i;
        }

        new Random(seed).Shuffle(_siteOrder);
    }

    /// <summary>The site of node <paramref name="node"/>.</summary>
    public int SiteOf(int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        return _siteOrder[node % _siteOrder.Length];
    }

    /// <inheritdoc />
    public long OneWayDelay(int from, int to) => _matrix.DelayTicks(SiteOf(from), SiteOf(to));
}
