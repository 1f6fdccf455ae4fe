using System.Buffers.Binary;
using System.IO.Compression;

namespace Decentral.Data.RData;

/// <summary>
/// An R lazy-load database, the pair of files an installed R package keeps its data sets in:
/// NAME.rdx is a gzip-compressed serialized list whose "variables" element maps each object
/// name to an (offset, length) pair, and NAME.rdb holds at that offset a 4-byte big-endian
/// uncompressed length followed by a zlib stream of the object's serialization.
/// </summary>
public sealed class RLazyLoadDatabase
{
    private readonly string rdbPath;
    private readonly Dictionary<string, (long Offset, int Length)> index;

    private RLazyLoadDatabase(string rdbPath, Dictionary<string, (long Offset, int Length)> index)
    {
        this.rdbPath = rdbPath;
        this.index = index;
    }

    /// <summary>Names of the objects in the database, in index order.</summary>
    public IReadOnlyCollection<string> ObjectNames => index.Keys;

    /// <summary>Opens the database from its index file; the .rdb next to it (same stem) holds the data.</summary>
    /// <param name="rdxPath">Path of the .rdx index.</param>
    public static DataResult<RLazyLoadDatabase> Open(string rdxPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rdxPath);
        var rdbPath = Path.ChangeExtension(rdxPath, ".rdb");
        if (!File.Exists(rdbPath))
        {
            return new DataError(DataErrorKind.Missing, rdbPath, "file not found (the data half of the lazy-load database)");
        }

        return DataFiles.ReadMaybeGzip(rdxPath)
            .Then(bytes => DataFiles.Guard(rdxPath, () => new RLazyLoadDatabase(rdbPath, ParseIndex(bytes))));
    }

    /// <summary>Reads and decodes the object called <paramref name="name"/>.</summary>
    public DataResult<RObject> Read(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!index.TryGetValue(name, out var entry))
        {
            return new DataError(DataErrorKind.Corrupt, rdbPath, $"the database has no object named '{name}'");
        }

        return DataFiles.Guard(rdbPath, () => RSerializationReader.Read(Inflate(ReadBlob(entry.Offset, entry.Length))));
    }

    private byte[] ReadBlob(long offset, int length)
    {
        using var file = new FileStream(rdbPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (offset + length > file.Length)
        {
            throw new CorruptDataException($"object at {offset}+{length} runs past the end of the {file.Length}-byte file");
        }

        var blob = new byte[length];
        file.Position = offset;
        file.ReadExactly(blob);
        return blob;
    }

    private static byte[] Inflate(byte[] blob)
    {
        if (blob.Length < 5)
        {
            throw new CorruptDataException($"a compressed object needs at least 5 bytes, this one has {blob.Length}");
        }

        var expected = BinaryPrimitives.ReadInt32BigEndian(blob);
        // Deflate cannot expand data more than about 1032:1, so a larger claim is corruption,
        // caught before it turns into a huge allocation.
        if (expected < 0 || expected > (blob.Length - 4) * 1100L)
        {
            throw new CorruptDataException($"declared uncompressed length {expected} is impossible for {blob.Length - 4} compressed bytes");
        }

        // R marks bzip2 ('2') and xz ('Z') blobs with a type byte after the length; zlib has none
        // and starts with a zlib header byte (0x78 for the default window size).
        if (blob[4] is (byte)'2' or (byte)'Z')
        {
            throw new CorruptDataException("bzip2/xz compressed lazy-load objects are not supported (only zlib)");
        }

        var output = new byte[expected];
        using var inflater = new ZLibStream(new MemoryStream(blob, 4, blob.Length - 4), CompressionMode.Decompress);
        var read = inflater.ReadAtLeast(output, expected, throwOnEndOfStream: false);
        if (read != expected || inflater.ReadByte() != -1)
        {
            throw new CorruptDataException($"object inflates to a different size than the declared {expected} bytes");
        }

        return output;
    }

    private static Dictionary<string, (long Offset, int Length)> ParseIndex(byte[] bytes)
    {
        if (RSerializationReader.Read(bytes) is not RList top)
        {
            throw new CorruptDataException("the index is not an R list");
        }

        switch (top.Element("compressed"))
        {
            case RLogical { Values: [1] } or RInteger { Values: [1] } or RReal { Values: [1.0] }:
                break;
            case null:
                throw new CorruptDataException("the index has no 'compressed' flag");
            default:
                throw new CorruptDataException("only zlib-compressed (compressed = TRUE) lazy-load databases are supported");
        }

        if (top.Element("variables") is not RList variables)
        {
            throw new CorruptDataException("the index has no 'variables' list");
        }

        var names = variables.Names;
        if (names.Count != variables.Items.Length)
        {
            throw new CorruptDataException("the 'variables' list is not fully named");
        }

        var index = new Dictionary<string, (long, int)>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i] ?? throw new CorruptDataException($"variable {i} has an NA name");
            long[] pair = variables.Items[i] switch
            {
                RInteger { Values: [var o, var l] } => [o, l],
                RReal { Values: [var o, var l] } => [(long)o, (long)l],
                _ => throw new CorruptDataException($"the position of '{name}' is not an (offset, length) pair"),
            };
            if (pair[0] < 0 || pair[1] is < 5 or > int.MaxValue)
            {
                throw new CorruptDataException($"the position of '{name}' ({pair[0]}, {pair[1]}) is out of range");
            }

            index[name] = (pair[0], (int)pair[1]);
        }

        return index;
    }
}
