using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Learning;

/// <summary>
/// Which training samples each node holds: one permutation of sample indices with node n owning
/// <c>Indices[Offsets[n]..Offsets[n+1]]</c>. Costs 4 bytes per sample plus 4 per node; the
/// features themselves stay in the one shared dataset.
/// </summary>
public sealed class DataPartition
{
    private readonly int[] _indices;
    private readonly int[] _offsets;

    private DataPartition(int[] indices, int[] offsets)
    {
        _indices = indices;
        _offsets = offsets;
    }

    /// <summary>Number of nodes.</summary>
    public int Nodes => _offsets.Length - 1;

    /// <summary>The sample indices of node <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> SamplesOf(int node) => _indices.AsSpan(_offsets[node], _offsets[node + 1] - _offsets[node]);

    /// <summary>Number of samples node <paramref name="node"/> holds.</summary>
    public int CountOf(int node) => _offsets[node + 1] - _offsets[node];

    /// <summary>
    /// Label-skewed non-IID split: for every class, the class's samples are shuffled and dealt
    /// to the nodes in proportions drawn from Dirichlet(<paramref name="alpha"/>) (small alpha:
    /// each node sees few classes; large alpha: close to IID). Every sample goes to exactly one
    /// node; with few samples per node some nodes can end up with none.
    /// </summary>
    public static DataPartition Dirichlet(ClassificationDataset data, int nodes, double alpha, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Dirichlet alpha must be positive and finite.");
        }

        var random = new Random(seed);
        var byClass = new List<int>[data.Classes];
        for (int c = 0; c < data.Classes; c++)
        {
            byClass[c] = [];
        }

        for (int s = 0; s < data.Count; s++)
        {
            byClass[data.Y[s]].Add(s);
        }

        // counts[c * nodes + n]: samples of class c that node n receives.
        var counts = new int[data.Classes * nodes];
        var proportions = new double[nodes];
        for (int c = 0; c < data.Classes; c++)
        {
            RandomDraws.Dirichlet(random, alpha, proportions);
            int total = byClass[c].Count;
            double cumulative = 0;
            int given = 0;
            for (int n = 0; n < nodes; n++)
            {
                cumulative += proportions[n];
                int upTo = n == nodes - 1 ? total : (int)Math.Min(total, Math.Round(cumulative * total));
                counts[(c * nodes) + n] = Math.Max(0, upTo - given);
                given += counts[(c * nodes) + n];
            }
        }

        var offsets = new int[nodes + 1];
        for (int n = 0; n < nodes; n++)
        {
            int sum = 0;
            for (int c = 0; c < data.Classes; c++)
            {
                sum += counts[(c * nodes) + n];
            }

            offsets[n + 1] = offsets[n] + sum;
        }

        var indices = new int[data.Count];
        var cursor = offsets.AsSpan(0, nodes).ToArray();
        for (int c = 0; c < data.Classes; c++)
        {
            var pool = byClass[c].ToArray();
            random.Shuffle(pool);
            int taken = 0;
            for (int n = 0; n < nodes; n++)
            {
                int k = counts[(c * nodes) + n];
                pool.AsSpan(taken, k).CopyTo(indices.AsSpan(cursor[n], k));
                cursor[n] += k;
                taken += k;
            }
        }

        return new DataPartition(indices, offsets);
    }

    /// <summary>IID split: a seeded shuffle dealt in nearly equal contiguous shares.</summary>
    public static DataPartition Iid(int samples, int nodes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        var indices = Enumerable.Range(0, samples).ToArray();
        new Random(seed).Shuffle(indices);
        var offsets = new int[nodes + 1];
        for (int n = 0; n <= nodes; n++)
        {
            offsets[n] = (int)((long)samples * n / nodes);
        }

        return new DataPartition(indices, offsets);
    }
}
