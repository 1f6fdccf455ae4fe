using System.Threading.Channels;
using Decentral.Libp2p.Yamux;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>
/// A yamux session on one end of a socket pair, the test driving the other end frame by frame
/// (<see cref="Remote"/>). Inbound streams the session accepts arrive in <see cref="Inbound"/>.
/// </summary>
public abstract class YamuxFixture : IAsyncLifetime
{
    protected const int Window = YamuxOptions.SpecInitialWindow;

    internal Channel<YamuxStream> Inbound { get; } = Channel.CreateUnbounded<YamuxStream>();

    internal FakeTimeProvider Time { get; } = new();

    internal SocketPair Pair { get; private set; } = null!;

    internal RawYamux Remote { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pair = await SocketPair.CreateAsync();
        Remote = new RawYamux(Pair.Client);
    }

    public async Task DisposeAsync() => await Pair.DisposeAsync();

    internal YamuxSession Start(bool dialer, Action<YamuxOptions>? configure = null, BufferBudget? host = null, IStreamEvents? events = null)
    {
        var options = new YamuxOptions();
        configure?.Invoke(options);
        var session = new YamuxSession(Pair.Server, dialer, options, Time, NullLogger.Instance, new FakeConnection(), host, events);
        session.Start(s => Inbound.Writer.WriteAsync(s).AsTask());
        return session;
    }
}
