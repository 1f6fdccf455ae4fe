using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Soak.Attack;

/// <summary>
/// A real GossipSub peer (its own identity, StrictSign) that joins a topic and publishes random
/// bytes on it: validly signed messages whose content is garbage to the application, which
/// every router forwards before the application can judge them. It keeps connections to
/// <c>peers</c> of the targets, dialling others when one goes away (a killed node).
/// </summary>
public sealed class GossipSpam : IAsyncDisposable
{
    private readonly PeerIdentity _identity = PeerIdentity.Generate();
    private readonly Libp2pHost _host;
    private readonly GossipService _gossip;
    private readonly string _topic;
    private long _published;

    /// <summary>A spammer of <paramref name="topic"/>.</summary>
    public GossipSpam(string topic)
    {
        _topic = topic;
        _host = new Libp2pHost(_identity, new Libp2pHostOptions(), TimeProvider.System);
        _gossip = new GossipService(_host, _identity, new GossipOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200) },
            new GossipServiceOptions(), TimeProvider.System, new Random(1));
        _gossip.Subscribe(topic);
        _gossip.Start();
    }

    /// <summary>The spammer's peer id.</summary>
    public PeerId PeerId => _identity.PeerId;

    /// <summary>Messages published so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>
    /// Publishes <paramref name="bytes"/> random bytes per message, <paramref name="perSecond"/>
    /// messages a second (flat out when null; then each publish yields so the writers drain),
    /// while connected to up to <paramref name="peers"/> of <paramref name="targets"/>.
    /// </summary>
    public async Task RunAsync(Func<IReadOnlyList<Multiaddr>> targets, int peers, int bytes, double? perSecond, CancellationToken stop)
    {
        var random = new Random(11);
        var drain = DrainAsync(stop);
        using var pace = perSecond is { } rate ? new PeriodicTimer(TimeSpan.FromSeconds(1 / rate)) : null;
        var data = new byte[bytes];
        var nextCheck = DateTime.UtcNow;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= nextCheck)
                {
                    await KeepConnectedAsync(targets(), peers, random, stop);
                    nextCheck = DateTime.UtcNow.AddSeconds(1);
                }

                if (_gossip.Inspect(r => r.TopicPeers(_topic).Count) == 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), stop);
                    continue;
                }

                random.NextBytes(data);
                _gossip.Publish(_topic, [.. data]);
                Interlocked.Increment(ref _published);
                if (pace is not null)
                {
                    await pace.WaitForNextTickAsync(stop);
                }
                else
                {
                    await Task.Yield();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The spam ends.
        }

        await drain;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _gossip.DisposeAsync();
        await _host.DisposeAsync();
        _identity.Dispose();
    }

    private async Task KeepConnectedAsync(IReadOnlyList<Multiaddr> targets, int peers, Random random, CancellationToken stop)
    {
        var connected = _host.Connections.Select(c => c.RemotePeer).ToHashSet();
        var candidates = targets.Where(t => t.PeerId is { } id && !connected.Contains(id)).ToArray();
        random.Shuffle(candidates);
        foreach (var target in candidates.Take(Math.Max(0, peers - connected.Count)))
        {
            await _host.DialAsync(target, TimeSpan.FromSeconds(3), stop);
        }
    }

    // The spammer hears the topic too (its own messages forwarded back, the nodes' announcements):
    // read it so the delivery queue does not sit full.
    private async Task DrainAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var _ in _gossip.Messages.ReadAllAsync(stop))
            {
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The spam ends.
        }
    }
}
