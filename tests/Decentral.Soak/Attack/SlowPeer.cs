using Decentral.Identity;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Node.Runtime.Transport;

namespace Decentral.Soak.Attack;

/// <summary>How a slow peer stalls a node.</summary>
public enum SlowMode
{
    /// <summary>Asks for the node's member list (the one request a node answers with a body) and reads the answer one byte a second.</summary>
    Reader,

    /// <summary>Announces a model message of the largest size a node accepts and writes it one byte a second.</summary>
    Writer,
}

/// <summary>
/// A libp2p peer that opens the nodes' message streams (/decentral/model/1.0.0, with a request
/// header of the node's session) and then moves one byte a second, keeping <c>streams</c>
/// exchanges open at once against random targets. Counts how the exchanges ended: the node's
/// transfer timeout should end each one.
/// </summary>
public sealed class SlowPeer : IAsyncDisposable
{
    private readonly PeerIdentity _identity = PeerIdentity.Generate();
    private readonly Libp2pHost _host;
    private readonly string _session;
    private readonly SlowMode _mode;
    private readonly long _claimBytes;
    private long _opened;
    private long _ended;
    private long _refused;
    private long _bytes;

    /// <summary>A slow peer of <paramref name="session"/>; a <see cref="SlowMode.Writer"/> announces <paramref name="claimBytes"/> of body.</summary>
    public SlowPeer(string session, SlowMode mode, long claimBytes)
    {
        _session = session;
        _mode = mode;
        _claimBytes = claimBytes;
        _host = new Libp2pHost(_identity, new Libp2pHostOptions(), TimeProvider.System);
    }

    /// <summary>The slow peer's id.</summary>
    public PeerId PeerId => _identity.PeerId;

    /// <summary>Exchanges opened.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    /// <summary>Exchanges the node ended (reset or closed the stream) while this peer was still slow.</summary>
    public long EndedByNode => Interlocked.Read(ref _ended);

    /// <summary>Streams the node refused to open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Bytes read (reader) or written (writer) one at a time.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Keeps <paramref name="streams"/> slow exchanges open against <paramref name="targets"/> until <paramref name="stop"/>.</summary>
    public Task RunAsync(Func<IReadOnlyList<Multiaddr>> targets, int streams, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, streams).Select(i => LoopAsync(targets, new Random(100 + i), stop)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _identity.Dispose();
    }

    private async Task LoopAsync(Func<IReadOnlyList<Multiaddr>> targets, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var candidates = targets();
                if (candidates.Count == 0 || await OpenAsync(candidates[random.Next(candidates.Count)], stop) is not { } stream)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                    continue;
                }

                await using (stream)
                {
                    Interlocked.Increment(ref _opened);
                    await StallAsync(stream, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The stall ends.
            }
        }
    }

    private async Task<Stream?> OpenAsync(Multiaddr target, CancellationToken stop)
    {
        if (target.PeerId is not { } peer)
        {
            return null;
        }

        if (!_host.Connections.Any(c => c.RemotePeer == peer) && !(await _host.DialAsync(target, TimeSpan.FromSeconds(3), stop)).IsConnected)
        {
            return null;
        }

        var opened = await _host.OpenStreamAsync(peer, [ModelTransferProtocol.ProtocolId], stop);
        if (!opened.IsOpened)
        {
            Interlocked.Increment(ref _refused);
            return null;
        }

        return opened.Stream;
    }

    // The request framing of ModelTransferProtocol (uvarint header length, header, uvarint body
    // length), written by hand so the body can then trickle.
    private async Task StallAsync(Stream stream, CancellationToken stop)
    {
        var kind = _mode == SlowMode.Reader ? RequestKind.Members : RequestKind.Message;
        var header = new RequestHeader(_session, kind, []).Encode();
        var body = _mode == SlowMode.Reader ? 0UL : (ulong)_claimBytes;
        byte[] prefix = [.. Varint.Encode((ulong)header.Length), .. header, .. Varint.Encode(body)];
        using var second = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var one = new byte[1];
        try
        {
            await stream.WriteAsync(prefix, stop);
            await stream.FlushAsync(stop);
            for (long sent = 0; _mode == SlowMode.Reader || sent < _claimBytes; sent++)
            {
                if (_mode == SlowMode.Reader)
                {
                    if (await stream.ReadAsync(one, stop) == 0)
                    {
                        return;
                    }
                }
                else
                {
                    await stream.WriteAsync(one, stop);
                    await stream.FlushAsync(stop);
                }

                Interlocked.Increment(ref _bytes);
                await second.WaitForNextTickAsync(stop);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The node reset the stream or closed the connection: its timeout did its work.
            Interlocked.Increment(ref _ended);
        }
    }
}
