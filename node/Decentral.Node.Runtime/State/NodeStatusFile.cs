using Decentral.Telemetry;

namespace Decentral.Node.Runtime.State;

/// <summary>
/// Keeps &lt;data dir&gt;/node.json (<see cref="NodeStatus"/>, the schema the dashboard reads): who
/// this node is and whether it runs. Rewritten atomically (temp file + rename), so a reader
/// never sees half a file.
/// </summary>
public sealed class NodeStatusFile
{
    private readonly string _path;

    /// <summary>A status file in <paramref name="directory"/>.</summary>
    public NodeStatusFile(string directory) => _path = Path.Combine(directory, NodeStatus.FileName);

    /// <summary>Writes the status; false when the disk refused (nothing else depends on it).</summary>
    public bool Write(NodeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return AtomicFile.TryReplace(_path, System.Text.Encoding.UTF8.GetBytes(status.ToJson()), flushToDisk: false) is null;
    }
}
