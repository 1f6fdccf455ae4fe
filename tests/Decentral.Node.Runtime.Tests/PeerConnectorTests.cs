using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Node.Runtime.Options;
using Decentral.Node.Runtime.Peers;
using Decentral.Node.Runtime.Transport;
using Decentral.Protocol;
using Decentral.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Node.Runtime.Tests;

/// <summary>
/// The per-peer Polly pipeline on a fake clock: dial retries with backoff, the circuit that opens
/// after repeated failures, stops dialling, goes half-open after the break, and closes when the
/// peer proves it is up. The peer is a loopback port that accepts and drops every connection
/// (each attempt is counted) or nothing at all. The transport gives pings and pongs one dial.
/// </summary>
public sealed class PeerConnectorTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddDays(20_000));
    private readonly PeerIdentity _self = Identity(1);
    private readonly PeerIdentity _other = Identity(2);
    private readonly TcpListener _dropper = new(IPAddress.Loopback, 0);
    private readonly Libp2pHost _host;
    private readonly SemaphoreSlim _accepts = new(0);
    private int _accepted;

    public PeerConnectorTests()
    {
        _host = new Libp2pHost(_self, new Libp2pHostOptions(), _time);
        _dropper.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var socket = await _dropper.AcceptSocketAsync();
                Interlocked.Increment(ref _accepted);
                _accepts.Release();
            }
        });
    }

    private static NetworkOptions Network(int retries = 0) => new()
    {
        DialRetries = retries,
        DialRetryDelay = TimeSpan.FromSeconds(1),
        BreakerMinimumThroughput = 3,
        BreakerFailureRatio = 0.5,
        BreakerSamplingDuration = TimeSpan.FromSeconds(30),
        BreakerBreakDuration = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task DeadPeer_AfterMinimumThroughputFailures_CircuitOpensAndNoMoreDials()
    {
        using var connector = Connector(Network());

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SendStatus.DialFailed, (await DeliverAsync(connector)).Status);
        }

        var dials = Volatile.Read(ref _accepted);
        var refused = await DeliverAsync(connector);

        Assert.Equal(SendStatus.CircuitOpen, refused.Status);
        Assert.Equal(dials, Volatile.Read(ref _accepted));
    }

    [Fact]
    public async Task OpenCircuit_AfterTheBreakDuration_HalfOpensAndDialsAgain()
    {
        using var connector = Connector(Network());
        for (var i = 0; i < 3; i++)
        {
            await DeliverAsync(connector);
        }

        Assert.Equal(SendStatus.CircuitOpen, (await DeliverAsync(connector)).Status);
        _time.Advance(TimeSpan.FromSeconds(11));
        var dials = Volatile.Read(ref _accepted);

        // The dropper counts a connection before it closes it, so the failure implies the count.
        Assert.Equal(SendStatus.DialFailed, (await DeliverAsync(connector)).Status);
        Assert.True(Volatile.Read(ref _accepted) > dials);
    }

    [Fact]
    public async Task OpenCircuit_PeerConnectsToUs_CircuitClosesAtOnce()
    {
        using var connector = Connector(Network());
        for (var i = 0; i < 3; i++)
        {
            await DeliverAsync(connector);
        }

        Assert.Equal(SendStatus.CircuitOpen, (await DeliverAsync(connector)).Status);

        await connector.PeerReachableAsync(_other.PeerId);

        Assert.Equal(SendStatus.DialFailed, (await DeliverAsync(connector)).Status);
    }

    [Fact]
    public async Task FailedDial_RetriedWithBackoffOnTheInjectedClock()
    {
        // The dials happen in real time, their retry delays only on the connector's fake clock,
        // which tells the test each delay as Polly starts waiting on it; the test then moves the
        // clock by exactly that much. The dial and send timeouts are a day on that clock, so only
        // the retry delays are ever due.
        var (options, clock) = RetryingOnAFakeClock();
        using var connector = Connector(options, clock);

        var delivery = DeliverAsync(connector);
        await PassRetryDelaysAsync(clock, 2);

        Assert.Equal(SendStatus.DialFailed, (await delivery.WaitAsync(TimeSpan.FromSeconds(60))).Status);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await _accepts.WaitAsync(TimeSpan.FromSeconds(30)), $"only {i} of 3 attempts reached the peer");
        }
    }

    [Fact]
    public async Task FailedDial_OneAttemptAsked_FailsWithoutARetryDelay()
    {
        // As above, but nothing moves the fake clock: a retry would wait on it for good.
        var (options, clock) = RetryingOnAFakeClock();
        using var connector = Connector(options, clock);

        var outcome = await connector.DeliverAsync(_other.PeerId, _ => Task.FromResult(SendOutcome.Delivered), CancellationToken.None, retryDials: false)
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(SendStatus.DialFailed, outcome.Status);
        Assert.False(clock.Delays.Reader.TryRead(out var delay), $"a retry delay of {delay} was started");
        Assert.True(await _accepts.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Volatile.Read(ref _accepted));
    }

    [Fact]
    public async Task Transport_PingToADeadPeer_OneDial_AnAckToIt_Retried()
    {
        var (options, clock) = RetryingOnAFakeClock();
        options.BreakerMinimumThroughput = 100; // the circuit stays closed for all four attempts
        using var connector = Connector(options, clock);
        await using var transport = new MessageTransport(_host, connector, Book(), new WireCodec(), options, "session", clock, NullLogger.Instance);
        var sent = Channel.CreateUnbounded<(ProtocolMessage Message, SendOutcome Outcome)>();
        transport.Sent = (_, message, _, outcome) => sent.Writer.TryWrite((message, outcome));

        Assert.True(transport.Enqueue(_other.PeerId, new Ping(1, 5, 1)));
        var (ping, pingOutcome) = await sent.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.IsType<Ping>(ping);
        Assert.Equal(SendStatus.DialFailed, pingOutcome.Status);
        Assert.False(clock.Delays.Reader.TryRead(out _));
        Assert.True(await _accepts.WaitAsync(TimeSpan.FromSeconds(30)));

        // The same lane, the same dead peer: an Ack is retried (its first delay starts on the clock).
        Assert.True(transport.Enqueue(_other.PeerId, new Ack(5, Success: true)));
        await PassRetryDelaysAsync(clock, 2);
        var (ack, ackOutcome) = await sent.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.IsType<Ack>(ack);
        Assert.Equal(SendStatus.DialFailed, ackOutcome.Status);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await _accepts.WaitAsync(TimeSpan.FromSeconds(30)), $"only {i} of the Ack's 3 attempts reached the peer");
        }
    }

    [Fact]
    public async Task UnknownPeer_NoAddress_NotRetriedAndNotHeldAgainstIt()
    {
        var book = new AddressBook(_self.PeerId);
        using var connector = new PeerConnector(_host, book, Network(retries: 2), _time, NullLogger.Instance);

        for (var i = 0; i < 5; i++)
        {
            var outcome = await connector.DeliverAsync(_other.PeerId, _ => Task.FromResult(SendOutcome.Delivered), CancellationToken.None);
            Assert.Equal(SendStatus.NoAddress, outcome.Status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dropper.Dispose();
        _self.Dispose();
        _other.Dispose();
    }

    private PeerConnector Connector(NetworkOptions options, TimeProvider? clock = null) =>
        new(_host, Book(), options, clock ?? _time, NullLogger.Instance);

    private AddressBook Book()
    {
        var book = new AddressBook(_self.PeerId);
        var port = ((IPEndPoint)_dropper.LocalEndpoint).Port;
        book.AddConfigured(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}/p2p/{_other.PeerId}"));
        return book;
    }

    // Two dial retries; the dial and send timeouts are a day on the returned clock, so only the
    // retry delays are ever due on it.
    private (NetworkOptions Options, RetryClock Clock) RetryingOnAFakeClock()
    {
        var options = Network(retries: 2);
        options.DialTimeout = TimeSpan.FromDays(1);
        options.SendTimeout = TimeSpan.FromDays(1);
        return (options, new RetryClock(_time.GetUtcNow()));
    }

    // Waits for each of count retry delays as Polly starts it and moves the clock by exactly that much.
    private static async Task PassRetryDelaysAsync(RetryClock clock, int count)
    {
        for (var retry = 0; retry < count; retry++)
        {
            var delay = await clock.Delays.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.InRange(delay, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10));
            clock.Advance(delay);
        }
    }

    // A fake clock that reports every timer shorter than an hour as it is created: the retry
    // delays Polly waits on (the timeouts in these tests are a day).
    private sealed class RetryClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public Channel<TimeSpan> Delays { get; } = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime > TimeSpan.Zero && dueTime < TimeSpan.FromHours(1))
            {
                Delays.Writer.TryWrite(dueTime);
            }

            return timer;
        }
    }

    private Task<SendOutcome> DeliverAsync(PeerConnector connector) =>
        connector.DeliverAsync(_other.PeerId, _ => Task.FromResult(SendOutcome.Delivered), CancellationToken.None);

    private static PeerIdentity Identity(byte seed)
    {
        var bytes = new byte[32];
        bytes[0] = seed;
        return PeerIdentity.FromSeed(bytes);
    }
}
