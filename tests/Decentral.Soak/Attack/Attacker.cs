using System.Net;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Soak.Attack;

/// <summary>How hard the soak's attacker floods (the defaults are what docs/benchmarks/soak.md measured).</summary>
public sealed record AttackOptions
{
    /// <summary>Each connection flood runs this long against one random node, then the next starts.</summary>
    public TimeSpan FloodPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Idle sockets held open (and reopened) during an idle flood.</summary>
    public int IdleSockets { get; init; } = 300;

    /// <summary>Connect-and-close loops during a churn flood.</summary>
    public int ChurnLoops { get; init; } = 8;

    /// <summary>Connections a second per churn loop.</summary>
    public double ChurnRate { get; init; } = 25;

    /// <summary>Garbage senders during a garbage flood.</summary>
    public int GarbageLoops { get; init; } = 4;

    /// <summary>Random bytes each garbage connection sends.</summary>
    public int GarbageBytes { get; init; } = 256 * 1024;

    /// <summary>Garbage connections a second per sender.</summary>
    public double GarbageRate { get; init; } = 10;

    /// <summary>Gossip spam on the session topic: messages a second.</summary>
    public double SpamRate { get; init; } = 20;

    /// <summary>Bytes of each spam message.</summary>
    public int SpamBytes { get; init; } = 16 * 1024;

    /// <summary>Nodes the spammer stays connected to.</summary>
    public int SpamPeers { get; init; } = 2;

    /// <summary>Slow exchanges the slow reader keeps open (the node serves at most 4 per peer).</summary>
    public int SlowStreams { get; init; } = 4;

    /// <summary>Also a slow writer: model messages announced at their largest allowed size and sent one byte a second.</summary>
    public bool SlowWriter { get; init; } = true;

    /// <summary>The size the slow writer announces (a node's network:maxMessageBytes by default).</summary>
    public long SlowWriterClaim { get; init; } = 167_772_160;
}

/// <summary>What the attacker did.</summary>
/// <param name="Sockets">Flood sockets connected (idle, churn, garbage).</param>
/// <param name="GarbageBytes">Garbage bytes sent.</param>
/// <param name="Floods">Connection floods run (each <see cref="AttackOptions.FloodPeriod"/> against one node).</param>
/// <param name="SpamMessages">Gossip messages published on the session topic.</param>
/// <param name="SlowReads">Exchanges the slow reader opened, how many the nodes ended, the bytes it read.</param>
/// <param name="SlowWrites">The same for the slow writer.</param>
public sealed record AttackStats(long Sockets, long GarbageBytes, int Floods, long SpamMessages, SlowStats SlowReads, SlowStats SlowWrites);

/// <summary>A slow peer's exchanges.</summary>
/// <param name="Opened">Exchanges opened.</param>
/// <param name="EndedByNode">Exchanges the node reset or closed.</param>
/// <param name="Refused">Streams the node refused.</param>
/// <param name="Bytes">Bytes moved one a second.</param>
public sealed record SlowStats(long Opened, long EndedByNode, long Refused, long Bytes);

/// <summary>
/// The soak's attacker, in one process: connection floods rotating between idle sockets, churn
/// and garbage against a random node every <see cref="AttackOptions.FloodPeriod"/>, gossip spam
/// on the session topic, and a slow reader (and writer) on the nodes' message streams. Targets
/// come from a callback, so killed and restarted nodes are followed.
/// </summary>
public sealed class Attacker(AttackOptions options, string session, Func<IReadOnlyList<Multiaddr>> targets) : IAsyncDisposable
{
    private readonly GossipSpam _spam = new($"decentral/{session}/1");
    private readonly SlowPeer _reader = new(session, SlowMode.Reader, 0);
    private readonly SlowPeer _writer = new(session, SlowMode.Writer, options.SlowWriterClaim);
    private readonly CancellationTokenSource _stop = new();
    private IPEndPoint? _floodTarget;
    private Floods? _floods;
    private int _floodCount;
    private Task _running = Task.CompletedTask;

    /// <summary>Starts every attack in the background.</summary>
    public void Start()
    {
        var token = _stop.Token;
        _floods = new Floods(() => Volatile.Read(ref _floodTarget));
        _running = Task.WhenAll(
            Task.Run(() => FloodLoopAsync(token), CancellationToken.None),
            Task.Run(() => _spam.RunAsync(targets, options.SpamPeers, options.SpamBytes, options.SpamRate, token), CancellationToken.None),
            Task.Run(() => _reader.RunAsync(targets, options.SlowStreams, token), CancellationToken.None),
            options.SlowWriter ? Task.Run(() => _writer.RunAsync(targets, options.SlowStreams, token), CancellationToken.None) : Task.CompletedTask);
    }

    /// <summary>Stops every attack and says what it did.</summary>
    public async Task<AttackStats> StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
        return new AttackStats(_floods?.Sockets ?? 0, _floods?.GarbageBytes ?? 0, _floodCount, _spam.Published,
            Stats(_reader), Stats(_writer));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        await _spam.DisposeAsync();
        await _reader.DisposeAsync();
        await _writer.DisposeAsync();
        _stop.Dispose();
    }

    private static SlowStats Stats(SlowPeer peer) => new(peer.Opened, peer.EndedByNode, peer.Refused, peer.Bytes);

    private async Task FloodLoopAsync(CancellationToken stop)
    {
        var random = new Random(5);
        var floods = _floods!;
        while (!stop.IsCancellationRequested)
        {
            var now = targets();
            if (now.Count > 0 && now[random.Next(now.Count)].TryGetTcpTarget(out var host, out var port, out _))
            {
                Volatile.Write(ref _floodTarget, new IPEndPoint(IPAddress.Parse(host!), port));
            }

            using var period = CancellationTokenSource.CreateLinkedTokenSource(stop);
            period.CancelAfter(options.FloodPeriod);
            _floodCount++;
            var flood = (_floodCount % 3) switch
            {
                0 => floods.IdleAsync(options.IdleSockets, period.Token),
                1 => floods.ChurnAsync(options.ChurnLoops, options.ChurnRate, period.Token),
                _ => floods.GarbageAsync(options.GarbageLoops, options.GarbageBytes, options.GarbageRate, period.Token),
            };
            await flood;
        }
    }
}
