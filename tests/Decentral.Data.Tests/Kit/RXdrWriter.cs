using System.Buffers.Binary;
using System.Text;
using Decentral.Data.RData;

namespace Decentral.Data.Tests.Kit;

/// <summary>An integer sequence written as R's compact_intseq ALTREP, as R 3.5+ does for 1:n.</summary>
internal sealed class CompactIntSeq(int length, int first) : RObject
{
    public int Length { get; } = length;

    public int First { get; } = first;
}

/// <summary>
/// Writes R's XDR serialization (versions 2 and 3) for the data-shaped RObject types, the way
/// R's serialize.c lays it out, including symbol back-references, so reader tests run on
/// bytes an R session would produce.
/// </summary>
internal sealed class RXdrWriter
{
    private const int HasAttr = 1 << 9, HasTag = 1 << 10, IsObject = 1 << 8;
    private readonly MemoryStream output = new();
    private readonly Dictionary<string, int> symbols = [];

    private RXdrWriter()
    {
    }

    public static byte[] Serialize(RObject value, int version = 3)
    {
        var writer = new RXdrWriter();
        writer.output.Write("X\n"u8);
        writer.Int(version);
        writer.Int(0x040201); // written by R 4.2.1
        writer.Int(version == 3 ? 0x030500 : 0x020300);
        if (version == 3)
        {
            writer.Int(5);
            writer.output.Write("UTF-8"u8);
        }

        writer.Item(value);
        return writer.output.ToArray();
    }

    /// <summary>A named R list with the given class attribute (e.g. "data.frame"), in R's attribute order.</summary>
    public static RList NamedList(string? className, params (string Name, RObject Value)[] elements)
    {
        var list = new RList([.. elements.Select(e => e.Value)]);
        var attributes = new List<KeyValuePair<string, RObject>> { new("names", new RString([.. elements.Select(e => e.Name)])) };
        if (className is not null)
        {
            attributes.Add(new("class", new RString([className])));
        }

        list.SetAttributes(attributes);
        return list;
    }

    /// <summary>A data.frame with compact row names c(NA, -rows), or an ALTREP 1:rows when <paramref name="altrepRowNames"/>.</summary>
    public static RList DataFrame(int rows, bool altrepRowNames, params (string Name, RObject Value)[] columns)
    {
        var frame = NamedList(null, columns);
        RObject rowNames = altrepRowNames ? new CompactIntSeq(rows, 1) : new RInteger([RInteger.NA, -rows]);
        frame.SetAttributes([.. frame.Attributes, new("class", new RString(["data.frame"])), new("row.names", rowNames)]);
        return frame;
    }

    public static RInteger Factor(int[] codes, params string[] levels)
    {
        var factor = new RInteger(codes);
        factor.SetAttributes([new("levels", new RString(levels)), new("class", new RString(["factor"]))]);
        return factor;
    }

    private void Item(RObject value)
    {
        switch (value)
        {
            case RNull:
                Int(254);
                break;
            case CompactIntSeq seq:
                Int(238);
                Cell(null, new RSymbol("compact_intseq"));
                Cell(null, new RSymbol("base"));
                Cell(null, new RInteger([13]));
                Int(254);
                Item(new RReal([seq.Length, seq.First, 1]));
                Int(254);
                break;
            case RInteger v:
                Vector(13, v, () => Ints(v.Values));
                break;
            case RLogical v:
                Vector(10, v, () => Ints(v.Values));
                break;
            case RReal v:
                Vector(14, v, () =>
                {
                    Int(v.Values.Length);
                    var b = new byte[8];
                    foreach (var d in v.Values)
                    {
                        BinaryPrimitives.WriteDoubleBigEndian(b, d);
                        output.Write(b);
                    }
                });
                break;
            case RString v:
                Vector(16, v, () =>
                {
                    Int(v.Values.Length);
                    foreach (var s in v.Values)
                    {
                        Char(s);
                    }
                });
                break;
            case RList v:
                Vector(19, v, () =>
                {
                    Int(v.Items.Length);
                    foreach (var item in v.Items)
                    {
                        Item(item);
                    }
                });
                break;
            case RSymbol s:
                Symbol(s.Name);
                break;
            default:
                throw new ArgumentException($"The test writer cannot serialize {value.GetType().Name}.");
        }
    }

    private void Vector(int type, RObject value, Action body)
    {
        var flags = type | (value.Attributes.Count > 0 ? HasAttr : 0) | (value.Attribute("class") is null ? 0 : IsObject);
        Int(flags);
        body();
        if (value.Attributes.Count > 0)
        {
            foreach (var (name, attribute) in value.Attributes)
            {
                Int(2 | HasTag);
                Symbol(name);
                Item(attribute);
            }

            Int(254);
        }
    }

    private void Cell(string? tag, RObject value)
    {
        Int(2 | (tag is null ? 0 : HasTag));
        if (tag is not null)
        {
            Symbol(tag);
        }

        Item(value);
    }

    private void Symbol(string name)
    {
        // R writes a symbol once and refers back to it by its index in the reference table.
        if (symbols.TryGetValue(name, out var index))
        {
            Int(255 | (index << 8));
            return;
        }

        Int(1);
        Char(name);
        symbols[name] = symbols.Count + 1;
    }

    private void Char(string? s)
    {
        if (s is null)
        {
            Int(9);
            Int(-1);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(s);
        var ascii = bytes.Length == s.Length;
        Int(9 | ((ascii ? 64 : 8) << 12)); // ASCII_MASK or UTF8_MASK in the levels field
        Int(bytes.Length);
        output.Write(bytes);
    }

    private void Ints(int[] values)
    {
        Int(values.Length);
        foreach (var v in values)
        {
            Int(v);
        }
    }

    private void Int(int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        output.Write(b);
    }
}
