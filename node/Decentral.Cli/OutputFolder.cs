namespace Decentral.Cli;

/// <summary>Makes sure a folder the program will write to exists and takes files, before any work starts.</summary>
public static class OutputFolder
{
    private const string Probe = ".decentral-write-check";

    /// <summary>
    /// Creates <paramref name="path"/> (and its parents) and checks that a file can be written
    /// in it. Returns null when it can, else one line naming the path and the reason.
    /// </summary>
    public static string? Prepare(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return "the output folder is an empty path";
        }

        if (File.Exists(path))
        {
            return $"{path}: cannot be the output folder: it is a file";
        }

        if (AncestorFile(path) is { } file)
        {
            return $"{path}: cannot create the output folder: {file} is a file";
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"{path}: cannot create the output folder: {Reason(e)}";
        }

        try
        {
            using (File.Create(Path.Combine(path, Probe), 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: cannot write in the output folder: {Reason(e)}";
        }
    }

    private static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : e.Message;

    private static string? AncestorFile(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
            {
                return dir;
            }
        }

        return null;
    }
}
