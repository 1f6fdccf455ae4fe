using System.Buffers.Binary;
using System.IO.Compression;

namespace Decentral.Data.Tests.Kit;

/// <summary>Writes unsigned-byte IDX files (raw or gzip) for loader tests.</summary>
internal static class IdxWriter
{
    public static byte[] Encode(int[] dimensions, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dimensions.Length;
        for (var d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dimensions[d]);
        }

        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>Writes an images file (count x height x width) and a labels file into <paramref name="folder"/>.</summary>
    public static (string Images, string Labels) WriteImageSet(
        string folder, string stem, byte[] pixels, byte[] labels, int height, int width, bool gzip)
    {
        var suffix = gzip ? ".gz" : string.Empty;
        var images = Path.Combine(folder, $"{stem}-images-idx3-ubyte{suffix}");
        var labelFile = Path.Combine(folder, $"{stem}-labels-idx1-ubyte{suffix}");
        var imageBytes = Encode([labels.Length, height, width], pixels);
        var labelBytes = Encode([labels.Length], labels);
        File.WriteAllBytes(images, gzip ? Gzip(imageBytes) : imageBytes);
        File.WriteAllBytes(labelFile, gzip ? Gzip(labelBytes) : labelBytes);
        return (images, labelFile);
    }
}
