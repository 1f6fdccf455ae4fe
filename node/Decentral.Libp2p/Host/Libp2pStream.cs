using Decentral.Identity;

namespace Decentral.Libp2p.Host;

/// <summary>
/// A negotiated, multiplexed stream. Reads return 0 once the remote closed its write side;
/// <see cref="CloseWriteAsync"/> half-closes ours; <see cref="Reset"/> aborts both directions.
/// Disposing closes the write side (when not already) and releases the stream.
/// </summary>
/// <remarks>
/// Flow control is end to end: a write waits while the remote's window is exhausted, and the
/// remote can send only as much as this side has read plus one window, so memory stays bounded.
/// One reader and one writer may use the stream concurrently.
/// </remarks>
public abstract class Libp2pStream : AsyncDuplexStream
{
    /// <summary>The negotiated protocol id.</summary>
    public abstract string Protocol { get; }

    /// <summary>The connection this stream belongs to.</summary>
    public abstract ILibp2pConnection Connection { get; }

    /// <summary>The remote peer.</summary>
    public PeerId RemotePeer => Connection.RemotePeer;

    /// <summary>Who opened the stream.</summary>
    public abstract Direction Direction { get; }

    /// <summary>Closes our write side (sends FIN); reading continues until the remote closes.</summary>
    public abstract ValueTask CloseWriteAsync(CancellationToken cancellationToken = default);

    /// <summary>Aborts the stream in both directions (sends RST); pending reads and writes fail.</summary>
    public abstract void Reset();
}
