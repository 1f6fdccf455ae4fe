namespace Decentral.Dashboard.Sources;

/// <summary>Orders names with their digit runs compared as numbers: node-2 before node-10.</summary>
internal sealed class NaturalOrder : IComparer<string>
{
    /// <summary>The comparer.</summary>
    public static NaturalOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return string.CompareOrdinal(x, y);
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (a, b) = (Run(x, ref i), Run(y, ref j));
                var byLength = a.TrimStart('0').Length.CompareTo(b.TrimStart('0').Length);
                var byDigits = byLength != 0 ? byLength : string.CompareOrdinal(a.TrimStart('0'), b.TrimStart('0'));
                if (byDigits != 0)
                {
                    return byDigits;
                }

                continue;
            }

            if (x[i] != y[j])
            {
                return x[i].CompareTo(y[j]);
            }

            i++;
            j++;
        }

        return (x.Length - i).CompareTo(y.Length - j);
    }

    private static string Run(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        return s[start..i];
    }
}
