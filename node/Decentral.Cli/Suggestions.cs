namespace Decentral.Cli;

/// <summary>Finds the valid name a user most likely meant ("did you mean sampleSize?").</summary>
public static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="word"/> (ignoring case), or null when none is
    /// close: at most a third of the word's letters edited (transpositions count once), or a
    /// candidate that starts with the word.
    /// </summary>
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(candidates);
        var bare = word.TrimStart('-');
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var name = candidate.TrimStart('-');
            var distance = name.StartsWith(bare, StringComparison.OrdinalIgnoreCase) && bare.Length >= 2
                ? Math.Min(1, name.Length - bare.Length)
                : Distance(bare, name);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best is not null && bestDistance <= Math.Max(1, bare.Length / 3) ? best : null;
    }

    /// <summary>"; did you mean X?" for the nearest candidate, or an empty string.</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates) =>
        Nearest(word, candidates) is { } nearest ? $"; did you mean {nearest}?" : "";

    /// <summary>Edit distance ignoring case, with adjacent transpositions as one edit (optimal string alignment).</summary>
    internal static int Distance(string a, string b)
    {
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2]) && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    current[j] = Math.Min(current[j], previous2[j - 2] + 1);
                }
            }

            (previous2, previous, current) = (previous, current, previous2);
        }

        return previous[b.Length];
    }
}
