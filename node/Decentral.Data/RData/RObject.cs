namespace Decentral.Data.RData;

/// <summary>
/// A value decoded from R's serialization format. Only the shapes data sets are made of are
/// modelled in detail (vectors, lists, pairlists, symbols); everything else (closures,
/// environments, byte code references) becomes an <see cref="ROpaque"/> so that a data object
/// which merely mentions one can still be read.
/// </summary>
public abstract class RObject
{
    private IReadOnlyList<KeyValuePair<string, RObject>> attributes = [];

    /// <summary>The attributes (names, class, levels, row.names, ...), in serialized order.</summary>
    public IReadOnlyList<KeyValuePair<string, RObject>> Attributes => attributes;

    /// <summary>The value of attribute <paramref name="name"/>, or null.</summary>
    public RObject? Attribute(string name)
    {
        foreach (var pair in attributes)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <summary>The "class" attribute as strings (empty when there is none).</summary>
    public IReadOnlyList<string?> ClassNames => Attribute("class") is RString s ? s.Values : [];

    /// <summary>The "names" attribute as strings (empty when there is none).</summary>
    public IReadOnlyList<string?> Names => Attribute("names") is RString s ? s.Values : [];

    /// <summary>True when the "class" attribute contains <paramref name="className"/>.</summary>
    public bool Inherits(string className) => ClassNames.Contains(className);

    internal void SetAttributes(IReadOnlyList<KeyValuePair<string, RObject>> value) => attributes = value;
}

/// <summary>R's NULL.</summary>
public sealed class RNull : RObject
{
    /// <summary>The one NULL value; the reader never sets attributes on it, so sharing it is safe.</summary>
    public static RNull Instance { get; } = new();

    private RNull()
    {
    }
}

/// <summary>An integer vector (INTSXP). NA is <see cref="NA"/>.</summary>
/// <param name="values">The elements.</param>
public sealed class RInteger(int[] values) : RObject
{
    /// <summary>R's NA_integer_.</summary>
    public const int NA = int.MinValue;

    /// <summary>The elements.</summary>
    public int[] Values { get; } = values;
}

/// <summary>A logical vector (LGLSXP): 0 false, 1 true, <see cref="RInteger.NA"/> NA.</summary>
/// <param name="values">The elements.</param>
public sealed class RLogical(int[] values) : RObject
{
    /// <summary>The elements.</summary>
    public int[] Values { get; } = values;
}

/// <summary>A double vector (REALSXP). NA is a NaN payload; test with <see cref="double.IsNaN(double)"/>.</summary>
/// <param name="values">The elements.</param>
public sealed class RReal(double[] values) : RObject
{
    /// <summary>The elements.</summary>
    public double[] Values { get; } = values;
}

/// <summary>A complex vector (CPLXSXP) as interleaved real and imaginary parts.</summary>
/// <param name="values">Real and imaginary parts, interleaved.</param>
public sealed class RComplex(double[] values) : RObject
{
    /// <summary>Real and imaginary parts, interleaved.</summary>
    public double[] Values { get; } = values;
}

/// <summary>A character vector (STRSXP); NA elements are null.</summary>
/// <param name="values">The elements.</param>
public sealed class RString(string?[] values) : RObject
{
    /// <summary>The elements.</summary>
    public string?[] Values { get; } = values;
}

/// <summary>A raw vector (RAWSXP).</summary>
/// <param name="values">The bytes.</param>
public sealed class RRaw(byte[] values) : RObject
{
    /// <summary>The bytes.</summary>
    public byte[] Values { get; } = values;
}

/// <summary>A generic vector (VECSXP, e.g. a list or a data.frame) or an expression vector.</summary>
/// <param name="items">The elements.</param>
public sealed class RList(RObject[] items) : RObject
{
    /// <summary>The elements.</summary>
    public RObject[] Items { get; } = items;

    /// <summary>The element whose name (from the "names" attribute) is <paramref name="name"/>, or null.</summary>
    public RObject? Element(string name)
    {
        var names = Names;
        for (var i = 0; i < names.Count && i < Items.Length; i++)
        {
            if (names[i] == name)
            {
                return Items[i];
            }
        }

        return null;
    }
}

/// <summary>A symbol (SYMSXP).</summary>
/// <param name="name">The symbol's name.</param>
public sealed class RSymbol(string name) : RObject
{
    /// <summary>The symbol's name.</summary>
    public string Name { get; } = name;
}

/// <summary>A pairlist (LISTSXP), or a call (LANGSXP) when <see cref="IsCall"/>: tagged cells in order.</summary>
/// <param name="cells">The cells: optional tag and value.</param>
/// <param name="isCall">True for a language object.</param>
public sealed class RPairList(IReadOnlyList<KeyValuePair<string?, RObject>> cells, bool isCall) : RObject
{
    /// <summary>The cells: optional tag and value.</summary>
    public IReadOnlyList<KeyValuePair<string?, RObject>> Cells { get; } = cells;

    /// <summary>True for a language object (a call) rather than a data pairlist.</summary>
    public bool IsCall { get; } = isCall;
}

/// <summary>Something the reader parsed past but does not model (closure, environment, byte code, pointer, ...).</summary>
/// <param name="kind">What it was, for messages.</param>
public sealed class ROpaque(string kind) : RObject
{
    /// <summary>What it was, for messages.</summary>
    public string Kind { get; } = kind;
}
