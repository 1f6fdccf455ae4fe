using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>A host with its identity, disposed together.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly PeerIdentity _identity;

    private TestHost(PeerIdentity identity, Libp2pHost host)
    {
        _identity = identity;
        Host = host;
    }

    public Libp2pHost Host { get; }

    public Multiaddr Address => Host.ListenAddresses[0].WithPeerId(Host.PeerId);

    public static async Task<TestHost> StartAsync(int seed, Action<Libp2pHostOptions>? configure = null, string listen = "/ip4/127.0.0.1/tcp/0",
        Microsoft.Extensions.Logging.ILoggerFactory? logs = null)
    {
        var seedBytes = new byte[32];
        new Random(seed).NextBytes(seedBytes);
        var identity = PeerIdentity.FromSeed(seedBytes);
        var options = new Libp2pHostOptions();
        configure?.Invoke(options);
        var host = new Libp2pHost(identity, options, TimeProvider.System, logs, new Random(seed));
        var listening = await host.ListenAsync(Multiaddr.Parse(listen));
        Assert.True(listening.IsListening, listening.Error);
        return new TestHost(identity, host);
    }

    /// <summary>Completes when the host raised PeerIdentified for <paramref name="peer"/>; arm before the action.</summary>
    public Task<IdentifyInfo> IdentifiedAsync(PeerId peer)
    {
        var tcs = new TaskCompletionSource<IdentifyInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        Host.PeerIdentified += (_, e) =>
        {
            if (e.Info.Peer == peer)
            {
                tcs.TrySetResult(e.Info);
            }
        };
        return tcs.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _identity.Dispose();
    }
}
