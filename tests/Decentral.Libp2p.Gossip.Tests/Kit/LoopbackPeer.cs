using Decentral.Identity;
using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Service;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Gossip.Tests.Kit;

/// <summary>A real C# libp2p host on 127.0.0.1 with gossip and model transfer, for loopback tests.</summary>
internal sealed class LoopbackPeer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private LoopbackPeer(PeerIdentity identity, Libp2pHost host, GossipService gossip, ModelTransferService transfer, Multiaddr address)
    {
        Identity = identity;
        Host = host;
        Gossip = gossip;
        Transfer = transfer;
        Address = address;
        gossip.HeartbeatCompleted += (_, _) => Messages.Pulse();
        _reader = Task.Run(async () =>
        {
            await foreach (var message in gossip.Messages.ReadAllAsync(_stop.Token))
            {
                Messages.Add(message);
            }
        });
    }

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public PeerIdentity Identity { get; }

    public Libp2pHost Host { get; }

    public GossipService Gossip { get; }

    public ModelTransferService Transfer { get; }

    public Multiaddr Address { get; }

    public PeerId PeerId => Identity.PeerId;

    /// <summary>Delivered messages; also pulsed on every heartbeat so waiters can test router state.</summary>
    public EventLog<GossipDelivery> Messages { get; } = new();

    public static async Task<LoopbackPeer> StartAsync(int index, GossipOptions? options = null, ModelTransferOptions? transfer = null,
        Action<Libp2pHostOptions>? hostOptions = null, ILoggerFactory? logs = null)
    {
        var identity = RouterNet.Identity(100 + index);
        var configured = new Libp2pHostOptions();
        hostOptions?.Invoke(configured);
        var host = new Libp2pHost(identity, configured, TimeProvider.System);
        var gossip = new GossipService(host, identity, options ?? new GossipOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) },
            new GossipServiceOptions(), TimeProvider.System, new Random(index), logs?.CreateLogger<GossipService>());
        var models = new ModelTransferService(host, transfer ?? new ModelTransferOptions(), TimeProvider.System);
        var listen = await host.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        Assert.True(listen.IsListening, listen.Error);
        gossip.Start();
        return new LoopbackPeer(identity, host, gossip, models, listen.Address);
    }

    public async Task DialAsync(LoopbackPeer other)
    {
        var result = await Host.DialAsync(other.Address);
        Assert.True(result.IsConnected, result.Reason);
    }

    /// <summary>Waits until the router state satisfies <paramref name="condition"/> (checked on each heartbeat).</summary>
    public Task WaitForRouterAsync(Func<GossipRouter, bool> condition, string what) =>
        Messages.WaitAsync(_ => Gossip.Inspect(condition), Timeout, what);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Gossip.DisposeAsync();
        await Host.DisposeAsync();
        Transfer.Dispose();
        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
            // The reader ends by cancellation.
        }

        Identity.Dispose();
        _stop.Dispose();
    }
}
