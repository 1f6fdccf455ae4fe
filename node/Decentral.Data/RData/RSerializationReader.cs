using System.Diagnostics;

namespace Decentral.Data.RData;

/// <summary>
/// Decodes R's serialization format ("X\n" XDR, versions 2 and 3), as written by saveRDS and
/// by the lazy-load databases of installed packages. Follows R's serialize.c record layout:
/// each item starts with a flags word (type in the low byte, object/attribute/tag bits,
/// "levels" in the top bits), references point back into a table of symbols and
/// environments, and attributes follow the payload of vectors but precede it for pairlists.
/// </summary>
internal sealed class RSerializationReader
{
    // SEXP type codes and the pseudo-types serialize.c uses for shared or special objects.
    private const int SymSxp = 1, ListSxp = 2, CloSxp = 3, EnvSxp = 4, PromSxp = 5, LangSxp = 6;
    private const int SpecialSxp = 7, BuiltinSxp = 8, CharSxp = 9, LglSxp = 10, IntSxp = 13, RealSxp = 14;
    private const int CplxSxp = 15, StrSxp = 16, DotSxp = 17, VecSxp = 19, ExprSxp = 20, BcodeSxp = 21;
    private const int ExtptrSxp = 22, WeakrefSxp = 23, RawSxp = 24, S4Sxp = 25;
    private const int AltrepSxp = 238, AttrListSxp = 239, AttrLangSxp = 240, BaseEnvSxp = 241, EmptyEnvSxp = 242;
    private const int BaseNamespaceSxp = 250, MissingArgSxp = 251, UnboundValueSxp = 252, GlobalEnvSxp = 253;
    private const int NilValueSxp = 254, RefSxp = 255, PersistSxp = 247, PackageSxp = 248, NamespaceSxp = 249;
    private const int HasAttrBit = 1 << 9, HasTagBit = 1 << 10;

    // Deep enough for any data object, shallow enough to fail before the stack does.
    private const int MaxDepth = 500;

    private readonly XdrInput input;
    private readonly List<RObject> references = [];
    private int depth;

    private RSerializationReader(byte[] buffer) => input = new XdrInput(buffer);

    /// <summary>Decodes one serialized object that fills <paramref name="buffer"/>.</summary>
    /// <exception cref="CorruptDataException">The bytes are not a supported R serialization.</exception>
    public static RObject Read(byte[] buffer)
    {
        var reader = new RSerializationReader(buffer);
        reader.ReadHeader();
        var value = reader.ReadItem();
        if (reader.input.Remaining != 0)
        {
            throw new CorruptDataException($"{reader.input.Remaining} bytes left after the serialized object");
        }

        return value;
    }

    private void ReadHeader()
    {
        if (input.Remaining < 2 || !input.Take(2).SequenceEqual("X\n"u8))
        {
            throw new CorruptDataException("not an R XDR serialization (missing the \"X\\n\" header)");
        }

        var version = input.ReadInt();
        input.ReadInt(); // version of R that wrote it
        input.ReadInt(); // oldest R version that can read it
        if (version == 3)
        {
            var encodingLength = input.ReadLength();
            input.Take(encodingLength); // native encoding name; strings carry their own encoding flags
        }
        else if (version != 2)
        {
            throw new CorruptDataException($"R serialization version {version} is not supported (only 2 and 3)");
        }
    }

    private RObject ReadItem()
    {
        if (++depth > MaxDepth)
        {
            throw new CorruptDataException($"R object nested deeper than {MaxDepth} levels");
        }

        var item = ReadItem(input.ReadInt());
        depth--;
        return item;
    }

    private RObject ReadItem(int flags)
    {
        var type = flags & 0xff;
        switch (type)
        {
            case NilValueSxp:
                return RNull.Instance;
            case EmptyEnvSxp or BaseEnvSxp or GlobalEnvSxp or UnboundValueSxp or MissingArgSxp or BaseNamespaceSxp:
                return new ROpaque($"special value {type}");
            case RefSxp:
                var index = flags >> 8;
                if (index == 0)
                {
                    index = input.ReadInt();
                }

                return index >= 1 && index <= references.Count
                    ? references[index - 1]
                    : throw new CorruptDataException($"reference {index} points outside the {references.Count} seen so far");
            case PersistSxp or PackageSxp or NamespaceSxp:
                ReadStringVectorBody();
                return Remember(new ROpaque(type == PersistSxp ? "persistent reference" : "namespace or package"));
            case SymSxp:
                var name = ReadItem() as RString;
                return Remember(new RSymbol(name?.Values[0] ?? throw new CorruptDataException("a symbol's name is not a string")));
            case EnvSxp:
                return ReadEnvironment();
            case ListSxp or LangSxp or CloSxp or PromSxp or DotSxp or AttrListSxp or AttrLangSxp:
                return ReadPairList(flags);
            case CharSxp:
                return new RString([input.ReadCharBody(flags)]);
            case AltrepSxp:
                return ReadAltrep();
            case BcodeSxp:
                throw new CorruptDataException("R byte code is not supported by this reader");
            case ExtptrSxp:
                var pointer = Remember(new ROpaque("external pointer"));
                ReadItem(); // protected value
                ReadItem(); // tag
                return WithAttributes(pointer, flags);
            case WeakrefSxp:
                return WithAttributes(Remember(new ROpaque("weak reference")), flags);
            case SpecialSxp or BuiltinSxp:
                input.Take(input.ReadLength());
                return new ROpaque("builtin function");
            case S4Sxp:
                return WithAttributes(new ROpaque("S4 object"), flags);
            default:
                return WithAttributes(ReadVector(type), flags);
        }
    }

    private RObject ReadVector(int type)
    {
        if (type is not (LglSxp or IntSxp or RealSxp or CplxSxp or RawSxp or StrSxp or VecSxp or ExprSxp))
        {
            throw new CorruptDataException($"unknown R object type {type} at byte {input.Position - 4}");
        }

        var length = input.ReadLength();
        switch (type)
        {
            case LglSxp:
                return new RLogical(input.ReadInts(length));
            case IntSxp:
                return new RInteger(input.ReadInts(length));
            case RealSxp:
                return new RReal(input.ReadDoubles(length));
            case CplxSxp:
                return new RComplex(input.ReadDoubles(length <= int.MaxValue / 2 ? length * 2 : int.MaxValue));
            case RawSxp:
                return new RRaw(input.Take(length).ToArray());
            case StrSxp:
                var strings = new string?[length];
                for (var i = 0; i < length; i++)
                {
                    var flags = input.ReadInt();
                    if ((flags & 0xff) != CharSxp)
                    {
                        throw new CorruptDataException($"element {i} of a character vector has type {flags & 0xff}, not CHARSXP");
                    }

                    strings[i] = input.ReadCharBody(flags);
                }

                return new RString(strings);
            case VecSxp or ExprSxp:
                var items = new RObject[length];
                for (var i = 0; i < length; i++)
                {
                    items[i] = ReadItem();
                }

                return new RList(items);
            default:
                throw new UnreachableException();
        }
    }

    private RObject ReadPairList(int flags)
    {
        // Long pairlists are a cdr chain; walking it in a loop instead of recursing keeps the
        // depth bounded by nesting, not by length.
        var type = flags & 0xff;
        var isCall = type is LangSxp or AttrLangSxp;
        var cells = new List<KeyValuePair<string?, RObject>>();
        IReadOnlyList<KeyValuePair<string, RObject>>? attributes = null;
        while (true)
        {
            var hasAttributes = (flags & HasAttrBit) != 0 || type is AttrListSxp or AttrLangSxp;
            if (hasAttributes)
            {
                var cellAttributes = ToAttributes(ReadItem());
                attributes ??= cellAttributes;
            }

            string? tag = null;
            if ((flags & HasTagBit) != 0)
            {
                tag = ReadItem() switch
                {
                    RSymbol symbol => symbol.Name,
                    RNull => null,
                    _ => type is CloSxp or PromSxp ? null : throw new CorruptDataException("a pairlist tag is not a symbol"),
                };
            }

            cells.Add(new(tag, ReadItem()));
            flags = input.ReadInt();
            type = flags & 0xff;
            if (type is not (ListSxp or LangSxp or AttrListSxp or AttrLangSxp or DotSxp))
            {
                var tail = ReadItem(flags);
                if (tail is not RNull)
                {
                    // Closures and promises keep their body in the cdr; we keep it as a last cell.
                    cells.Add(new(null, tail));
                }

                break;
            }
        }

        var list = new RPairList(cells, isCall);
        if (attributes is not null)
        {
            list.SetAttributes(attributes);
        }

        return list;
    }

    private RObject ReadEnvironment()
    {
        // Registered before its contents are read: they may refer back to it.
        var environment = Remember(new ROpaque("environment"));
        input.ReadInt(); // locked
        ReadItem(); // enclosing environment
        ReadItem(); // frame
        ReadItem(); // hash table
        ReadItem(); // attributes
        return environment;
    }

    private RObject ReadAltrep()
    {
        var info = ReadItem() as RPairList;
        var state = ReadItem();
        var attributes = ReadItem();
        var className = info is { Cells.Count: > 0 } && info.Cells[0].Value is RSymbol symbol
            ? symbol.Name
            : throw new CorruptDataException("ALTREP object without a class symbol");
        RObject value = (className, state) switch
        {
            ("compact_intseq", RReal { Values.Length: 3 } s) => new RInteger(Sequence(s.Values, v => checked((int)v))),
            ("compact_realseq", RReal { Values.Length: 3 } s) => new RReal(Sequence(s.Values, v => v)),
            (_, RList { Items.Length: 2 } wrapped) when className.StartsWith("wrap_", StringComparison.Ordinal) => wrapped.Items[0],
            _ => throw new CorruptDataException($"ALTREP class {className} is not supported by this reader"),
        };
        if (attributes is not RNull)
        {
            value.SetAttributes(ToAttributes(attributes));
        }

        return value;
    }

    private static T[] Sequence<T>(double[] state, Func<double, T> convert)
    {
        // State is (length, first, step), all stored as doubles.
        var length = state[0] is >= 0 and <= int.MaxValue ? (int)state[0] : throw new CorruptDataException("bad ALTREP sequence length");
        var values = new T[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = convert(state[1] + (i * state[2]));
        }

        return values;
    }

    private RObject WithAttributes(RObject value, int flags)
    {
        if ((flags & HasAttrBit) != 0)
        {
            var attributes = ToAttributes(ReadItem());
            if (value is not RNull)
            {
                value.SetAttributes(attributes);
            }
        }

        return value;
    }

    private static IReadOnlyList<KeyValuePair<string, RObject>> ToAttributes(RObject pairs) => pairs switch
    {
        RNull => [],
        RPairList list => [.. list.Cells.Select(c => new KeyValuePair<string, RObject>(
            c.Key ?? throw new CorruptDataException("an attribute has no name"), c.Value))],
        _ => throw new CorruptDataException("attributes are not a pairlist"),
    };

    private T Remember<T>(T value)
        where T : RObject
    {
        references.Add(value);
        return value;
    }

    private void ReadStringVectorBody()
    {
        if (input.ReadInt() != 0)
        {
            throw new CorruptDataException("a persistent name vector does not start with 0");
        }

        var length = input.ReadLength();
        for (var i = 0; i < length; i++)
        {
            ReadItem();
        }
    }
}
