using Decentral.Data;

namespace Decentral.Learning.Torch.Tests;

/// <summary>Small generated datasets, so the tests need no downloaded data.</summary>
internal static class SyntheticData
{
    /// <summary>
    /// 28x28 images of <paramref name="classes"/> classes: class c is a bright horizontal bar at
    /// row 2+2c on uniform noise, so a CNN can learn it in a few dozen steps.
    /// </summary>
    public static ImageDataset Images(int count, int seed, int classes = 10)
    {
        var random = new Random(seed);
        var pixels = new float[count * 28 * 28];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(classes);
            labels[i] = (byte)label;
            var image = pixels.AsSpan(i * 28 * 28, 28 * 28);
            for (int p = 0; p < image.Length; p++)
            {
                image[p] = (float)(random.NextDouble() * 0.3);
            }

            int row = 2 + (2 * label);
            for (int x = 4; x < 24; x++)
            {
                image[(row * 28) + x] = 1f;
            }
        }

        return new ImageDataset("synthetic", 28, 28, classes, pixels, labels);
    }

    /// <summary>
    /// Ratings from a rank-2 user-item model plus a little noise, so a factorisation can fit
    /// them well below the spread of the ratings themselves.
    /// </summary>
    public static RatingsDataset Ratings(int users, int items, int perUser, int seed)
    {
        var random = new Random(seed);
        var userTaste = Enumerable.Range(0, users).Select(_ => new[] { random.NextDouble() - 0.5, random.NextDouble() - 0.5 }).ToArray();
        var itemTraits = Enumerable.Range(0, items).Select(_ => new[] { random.NextDouble() - 0.5, random.NextDouble() - 0.5 }).ToArray();
        int count = users * perUser;
        var u = new int[count];
        var it = new int[count];
        var r = new float[count];
        for (int k = 0; k < count; k++)
        {
            u[k] = k / perUser;
            it[k] = random.Next(items);
            double score = 3.5 + (4 * ((userTaste[u[k]][0] * itemTraits[it[k]][0]) + (userTaste[u[k]][1] * itemTraits[it[k]][1])));
            r[k] = (float)(score + (4 * (itemTraits[it[k]][0] + userTaste[u[k]][1])) + ((random.NextDouble() - 0.5) * 0.2));
        }

        return new RatingsDataset("synthetic", users, items, u, it, r, new long[count]);
    }

    /// <summary>Splits 0..count-1 into <paramref name="nodes"/> contiguous blocks.</summary>
    public static int[][] Blocks(int count, int nodes) =>
        Enumerable.Range(0, nodes)
            .Select(n => Enumerable.Range(n * count / nodes, ((n + 1) * count / nodes) - (n * count / nodes)).ToArray())
            .ToArray();
}
