using System.Buffers;
using System.Threading.Channels;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;
using Decentral.Libp2p.Host;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Gossip.Service;

/// <summary>
/// The outbound half of one gossip peer: our long-lived meshsub stream and a bounded queue of
/// RPCs drained by a single writer task. When the queue is full (in RPCs or in encoded bytes)
/// new RPCs are dropped (gossip repairs losses through IHAVE/IWANT; blocking the router on one
/// slow peer would stall all), so a slow reader costs at most the byte bound.
/// </summary>
internal sealed class GossipPeerSession : IAsyncDisposable
{
    private readonly Channel<(Rpc Rpc, int Bytes)> _queue;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private long _queuedBytes;
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Libp2pStream? _stream;
    private Task _writer = Task.CompletedTask;

    public GossipPeerSession(PeerId peer, int capacity, long maxBytes, ILogger logger)
    {
        Peer = peer;
        _logger = logger;
        _maxBytes = maxBytes;
        _queue = Channel.CreateBounded<(Rpc, int)>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Encoded bytes waiting to be written.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public PeerId Peer { get; }

    /// <summary>Completes with true once the outbound stream is up, false when it could not be opened.</summary>
    public Task<bool> Ready => _ready.Task;

    /// <summary>Starts writing on <paramref name="stream"/>; <paramref name="onEnded"/> runs when writing stops.</summary>
    public void Start(Libp2pStream stream, Action<GossipPeerSession, string> onEnded, CancellationToken cancellationToken)
    {
        _stream = stream;
        _writer = Task.Run(() => WriteLoopAsync(stream, onEnded, cancellationToken), CancellationToken.None);
        _ready.TrySetResult(true);
    }

    /// <summary>Marks the session as failed before it started.</summary>
    public void Fail() => _ready.TrySetResult(false);

    /// <summary>Queues an RPC; false (and logged) when the queue is full or closed.</summary>
    public bool Enqueue(Rpc rpc)
    {
        var bytes = RpcEncoder.SizeOf(rpc) + Decentral.Libp2p.Multiformats.Varint.MaxLength;
        if (Interlocked.Add(ref _queuedBytes, bytes) <= _maxBytes && _queue.Writer.TryWrite((rpc, bytes)))
        {
            return true;
        }

        Interlocked.Add(ref _queuedBytes, -bytes);
        Log.QueueFull(_logger, Peer);
        return false;
    }

    private async Task WriteLoopAsync(Libp2pStream stream, Action<GossipPeerSession, string> onEnded, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var reason = "closed";
        try
        {
            await foreach (var (rpc, bytes) in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                buffer.ResetWrittenCount();
                RpcEncoder.WriteLengthPrefixed(rpc, buffer);
                await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _queuedBytes, -bytes);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = "service stopped";
        }
        catch (IOException e)
        {
            reason = e.Message;
        }
        catch (ObjectDisposedException e)
        {
            reason = e.Message;
        }
        finally
        {
            _queue.Writer.TryComplete();
            onEnded(this, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _ready.TrySetResult(false);
        if (_stream is { } stream)
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        await _writer.ConfigureAwait(false);
    }
}
