using System.Globalization;
using System.Text;

namespace Decentral.Node.Runtime.Identity;

/// <summary>
/// Holds the data directory for one process: an exclusive lock on &lt;data dir&gt;/node.lock (an
/// advisory flock, released by the kernel however the process ends, kill -9 included); the
/// owner's process id goes to node.pid beside it (the lock file itself cannot be read while
/// locked). A second node on the same directory is refused, so two processes never share one
/// identity or write one checkpoint.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    /// <summary>The lock file name.</summary>
    public const string FileName = "node.lock";

    /// <summary>The file holding the lock owner's process id.</summary>
    public const string PidFileName = "node.pid";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file, string directory)
    {
        _file = file;
        Directory = directory;
    }

    /// <summary>The locked directory.</summary>
    public string Directory { get; }

    /// <summary>Creates the directory if needed and locks it; fails with the reason (and the holder's pid) when another process holds it.</summary>
    public static StartResult<DataDirectoryLock> Acquire(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        try
        {
            System.IO.Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return StartResult.Fail<DataDirectoryLock>($"cannot create the data directory {full}: {e.Message}");
        }

        var path = Path.Combine(full, FileName);
        FileStream file;
        try
        {
            // FileShare.None takes an exclusive flock on Unix; a second holder fails at once.
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return StartResult.Fail<DataDirectoryLock>(
                $"the data directory {full} is in use by another decentral-node process{HolderText(Path.Combine(full, PidFileName))}; give each node its own node:dataDir");
        }
        catch (UnauthorizedAccessException e)
        {
            return StartResult.Fail<DataDirectoryLock>($"cannot open the lock file {path}: {e.Message}");
        }

        try
        {
            File.WriteAllText(Path.Combine(full, PidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", Encoding.ASCII);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the refusal message of a second process reads it; the lock itself holds.
        }

        return StartResult.Ok(new DataDirectoryLock(file, full));
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    // The holder's pid, as it wrote it.
    private static string HolderText(string pidFile)
    {
        try
        {
            var pid = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : string.Empty;
            return pid.Length == 0 ? string.Empty : $" (pid {pid})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
