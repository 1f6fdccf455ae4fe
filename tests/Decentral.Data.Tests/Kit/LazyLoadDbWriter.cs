using System.Buffers.Binary;
using System.IO.Compression;
using Decentral.Data.RData;

namespace Decentral.Data.Tests.Kit;

/// <summary>Builds an R lazy-load database (.rdx + .rdb) the way R's makeLazyLoadDB lays it out.</summary>
internal static class LazyLoadDbWriter
{
    /// <summary>Writes stem.rdb and stem.rdx into <paramref name="folder"/>; returns the .rdx path.</summary>
    public static string Write(string folder, string stem, int version, params (string Name, RObject Value)[] objects)
    {
        var rdb = new MemoryStream();
        var positions = new List<(string, RObject)>();
        foreach (var (name, value) in objects)
        {
            var blob = Blob(RXdrWriter.Serialize(value, version));
            positions.Add((name, new RInteger([(int)rdb.Length, blob.Length])));
            rdb.Write(blob);
        }

        var index = RXdrWriter.NamedList(
            null,
            ("variables", RXdrWriter.NamedList(null, [.. positions])),
            ("references", RXdrWriter.NamedList(null)),
            ("compressed", new RLogical([1])));
        File.WriteAllBytes(Path.Combine(folder, stem + ".rdb"), rdb.ToArray());
        var rdxPath = Path.Combine(folder, stem + ".rdx");
        File.WriteAllBytes(rdxPath, IdxWriter.Gzip(RXdrWriter.Serialize(index, version)));
        return rdxPath;
    }

    /// <summary>4-byte big-endian uncompressed length, then a zlib stream.</summary>
    public static byte[] Blob(byte[] serialized)
    {
        using var output = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, serialized.Length);
        output.Write(length);
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(serialized);
        }

        return output.ToArray();
    }
}
