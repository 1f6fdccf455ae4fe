namespace Decentral.Data.RData;

/// <summary>Typed access to the columns of an R data.frame (a named list of equal-length vectors).</summary>
public sealed class RDataFrame
{
    private readonly RList list;

    private RDataFrame(RList list, int rowCount)
    {
        this.list = list;
        RowCount = rowCount;
    }

    /// <summary>Column names in order.</summary>
    public IReadOnlyList<string?> ColumnNames => list.Names;

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Views <paramref name="value"/> as a data.frame, checking its class, names and column lengths.</summary>
    /// <exception cref="CorruptDataException">It is not a well-formed data.frame.</exception>
    internal static RDataFrame From(RObject value)
    {
        if (value is not RList list || !list.Inherits("data.frame"))
        {
            throw new CorruptDataException("the object is not a data.frame");
        }

        if (list.Names.Count != list.Items.Length)
        {
            throw new CorruptDataException("the data.frame's columns are not all named");
        }

        var rows = list.Items.Length == 0 ? 0 : Length(list.Items[0]);
        for (var i = 0; i < list.Items.Length; i++)
        {
            if (Length(list.Items[i]) != rows)
            {
                throw new CorruptDataException($"column '{list.Names[i]}' has {Length(list.Items[i])} rows, the first has {rows}");
            }
        }

        return new RDataFrame(list, rows);
    }

    /// <summary>An integer column (integer, or double holding whole numbers) with no NA.</summary>
    /// <exception cref="CorruptDataException">The column is absent, has another type, or holds NA or fractions.</exception>
    internal int[] Integers(string name) => Column(name) switch
    {
        RInteger { } c when !c.Inherits("factor") => NoIntegerNa(name, c.Values),
        RReal c => Array.ConvertAll(c.Values, v => double.IsInteger(v) && v is >= int.MinValue + 1 and <= int.MaxValue
            ? (int)v
            : throw new CorruptDataException($"column '{name}' holds {v}, not a whole number")),
        _ => throw new CorruptDataException($"column '{name}' is not numeric"),
    };

    /// <summary>A whole-number column widened to 64 bits (timestamps), with no NA.</summary>
    /// <exception cref="CorruptDataException">The column is absent, has another type, or holds NA or fractions.</exception>
    internal long[] Longs(string name) => Column(name) switch
    {
        RInteger { } c when !c.Inherits("factor") => Array.ConvertAll(NoIntegerNa(name, c.Values), v => (long)v),
        RReal c => Array.ConvertAll(c.Values, v => double.IsInteger(v) && Math.Abs(v) < 9e15
            ? (long)v
            : throw new CorruptDataException($"column '{name}' holds {v}, not a whole number")),
        _ => throw new CorruptDataException($"column '{name}' is not numeric"),
    };

    /// <summary>A numeric column as doubles, with no NA.</summary>
    /// <exception cref="CorruptDataException">The column is absent, not numeric, or holds NA.</exception>
    internal double[] Doubles(string name) => Column(name) switch
    {
        RReal c => Array.Exists(c.Values, double.IsNaN)
            ? throw new CorruptDataException($"column '{name}' holds NA")
            : c.Values,
        RInteger { } c when !c.Inherits("factor") => Array.ConvertAll(NoIntegerNa(name, c.Values), v => (double)v),
        _ => throw new CorruptDataException($"column '{name}' is not numeric"),
    };

    /// <summary>A character column, or a factor decoded to its level strings; NA stays null.</summary>
    /// <exception cref="CorruptDataException">The column is absent or neither character nor factor.</exception>
    internal string?[] Strings(string name)
    {
        switch (Column(name))
        {
            case RString c:
                return c.Values;
            case RInteger c when c.Inherits("factor") && c.Attribute("levels") is RString levels:
                return Array.ConvertAll(c.Values, code => code == RInteger.NA ? null
                    : code >= 1 && code <= levels.Values.Length ? levels.Values[code - 1]
                    : throw new CorruptDataException($"factor '{name}' has code {code} beyond its {levels.Values.Length} levels"));
            default:
                throw new CorruptDataException($"column '{name}' is neither character nor factor");
        }
    }

    private RObject Column(string name) =>
        list.Element(name) ?? throw new CorruptDataException($"the data.frame has no column '{name}'");

    private static int[] NoIntegerNa(string name, int[] values) =>
        Array.IndexOf(values, RInteger.NA) >= 0 ? throw new CorruptDataException($"column '{name}' holds NA") : values;

    private static int Length(RObject column) => column switch
    {
        RInteger c => c.Values.Length,
        RLogical c => c.Values.Length,
        RReal c => c.Values.Length,
        RString c => c.Values.Length,
        RComplex c => c.Values.Length / 2,
        RRaw c => c.Values.Length,
        RList c => c.Items.Length,
        _ => throw new CorruptDataException("a data.frame column is not a vector"),
    };
}
