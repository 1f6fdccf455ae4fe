namespace Decentral.Node.Runtime.State;

/// <summary>
/// Replaces a file in the data directory whole: the bytes go to "&lt;path&gt;.tmp", which is then
/// renamed over the file, so a reader (or a restart after kill -9) never sees half of it.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>; null when done, else why the disk refused.</summary>
    /// <param name="path">The file to replace.</param>
    /// <param name="bytes">Its new content.</param>
    /// <param name="flushToDisk">Flush to the device before the rename (files a restart depends on).</param>
    public static string? TryReplace(string path, ReadOnlySpan<byte> bytes, bool flushToDisk)
    {
        var temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk);
            }

            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
