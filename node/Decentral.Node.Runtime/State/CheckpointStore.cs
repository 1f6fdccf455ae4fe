using Decentral.Wire;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime.State;

/// <summary>
/// Reads and writes &lt;data dir&gt;/checkpoint.bin. A write goes to a temporary file that is
/// flushed to disk and then renamed over the old one, so a crash at any moment leaves either the
/// old or the new checkpoint, never a torn one. A checkpoint that does not decode is logged and
/// moved aside (checkpoint.corrupt-&lt;time&gt;.bin); it never stops the node.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>The checkpoint file name.</summary>
    public const string FileName = "checkpoint.bin";

    private readonly IWireCodec _codec;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    /// <summary>A store in <paramref name="directory"/>.</summary>
    public CheckpointStore(string directory, IWireCodec codec, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Path = System.IO.Path.Combine(directory, FileName);
        _codec = codec;
        _time = time;
        _logger = logger;
    }

    /// <summary>The checkpoint's path.</summary>
    public string Path { get; }

    /// <summary>The checkpoint, or null when there is none or it was unusable (then it was moved aside and logged).</summary>
    public Checkpoint? Load(Decentral.Identity.PeerId self, string session)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.CheckpointUnusable(_logger, Path, e.Message, MoveAside());
            return null;
        }

        string? reason = null;
        if (!Checkpoint.TryDecode(bytes, _codec, out var checkpoint, out var error))
        {
            reason = error;
        }
        else if (checkpoint.Peer != self)
        {
            reason = $"it belongs to peer {checkpoint.Peer}, not this node's {self}";
        }
        else if (checkpoint.Session != session)
        {
            reason = $"it belongs to session '{checkpoint.Session}', not '{session}'";
        }

        if (reason is not null)
        {
            Log.CheckpointUnusable(_logger, Path, reason, MoveAside());
            return null;
        }

        return checkpoint;
    }

    /// <summary>Writes <paramref name="checkpoint"/> atomically; false (logged) when the disk refused.</summary>
    public bool Save(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var bytes = checkpoint.Encode(_codec);
        lock (_gate)
        {
            if (AtomicFile.TryReplace(Path, bytes, flushToDisk: true) is { } error)
            {
                Log.CheckpointWriteFailed(_logger, Path, error);
                return false;
            }

            return true;
        }
    }

    private string MoveAside()
    {
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, $"checkpoint.corrupt-{stamp}.bin");
        try
        {
            File.Move(Path, aside, overwrite: true);
            return aside;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(could not move it aside: {e.Message})";
        }
    }
}
