using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Tests.Kit;

namespace Decentral.Libp2p.Tests;

public sealed class HostTests
{
    private const string Echo = "/decentral/echo/1.0.0";

    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/0")]
    [InlineData("/ip6/::1/tcp/0")]
    public async Task Dial_Loopback_IdentifiesPingsAndEchoesOneMegabyte(string listen)
    {
        await using var a = await TestHost.StartAsync(1, listen: listen);
        await using var b = await TestHost.StartAsync(2, listen: listen);
        b.Host.SetStreamHandler(Echo, EchoAsync);
        var aIdentifiedB = a.IdentifiedAsync(b.Host.PeerId);
        var bIdentifiedA = b.IdentifiedAsync(a.Host.PeerId);

        var dial = await a.Host.DialAsync(b.Address, Bounded.Token());
        Assert.True(dial.IsConnected, dial.Reason);
        var info = await aIdentifiedB.Within();
        Assert.Contains(Echo, info.Protocols);
        Assert.Equal(b.Host.ListenAddresses, info.ListenAddresses);
        Assert.Equal(a.Host.PeerId, (await bIdentifiedA.Within()).Peer);
        Assert.Equal(PingStatus.Ok, (await a.Host.PingAsync(b.Host.PeerId, Bounded.Token())).Status);

        var opened = await a.Host.OpenStreamAsync(b.Host.PeerId, ["/nope/1.0.0", Echo], Bounded.Token());
        Assert.True(opened.IsOpened, opened.Reason);
        Assert.Equal(Echo, opened.Stream.Protocol);
        var data = RandomNumberGenerator.GetBytes(1 << 20);
        await using var stream = opened.Stream;
        var write = Task.Run(async () =>
        {
            await stream.WriteAsync(data);
            await stream.CloseWriteAsync();
        });
        var echoed = new MemoryStream();
        await stream.CopyToAsync(echoed).Within();
        await write.Within();
        Assert.Equal(data, echoed.ToArray());

        // Dialing the same peer again reuses the connection.
        var again = await a.Host.DialAsync(b.Address, Bounded.Token());
        Assert.Same(dial.Connection, again.Connection);
    }

    [Fact]
    public async Task OpenStream_UnsupportedProtocol_IsValueAndConnectionLives()
    {
        await using var a = await TestHost.StartAsync(1);
        await using var b = await TestHost.StartAsync(2);
        Assert.True((await a.Host.DialAsync(b.Address, Bounded.Token())).IsConnected);

        var opened = await a.Host.OpenStreamAsync(b.Host.PeerId, ["/meshsub/1.2.0", "/meshsub/1.1.0"], Bounded.Token());

        Assert.Equal(OpenStreamStatus.ProtocolNotSupported, opened.Status);
        Assert.Equal(PingStatus.Ok, (await a.Host.PingAsync(b.Host.PeerId, Bounded.Token())).Status);
        Assert.Equal(OpenStreamStatus.NotConnected, (await b.Host.OpenStreamAsync(PeerIdOf(9), [Echo])).Status);
    }

    [Fact]
    public async Task Dial_ClosedPort_IsRefused()
    {
        await using var a = await TestHost.StartAsync(1);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var dial = await a.Host.DialAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}"), Bounded.Token());
        Assert.Equal(DialStatus.Refused, dial.Status);
    }

    [Fact]
    public async Task Dial_WrongPeerIdInAddress_IsPeerIdMismatch()
    {
        await using var a = await TestHost.StartAsync(1);
        await using var b = await TestHost.StartAsync(2);
        var wrong = b.Host.ListenAddresses[0].WithPeerId(PeerIdOf(9));

        Assert.Equal(DialStatus.PeerIdMismatch, (await a.Host.DialAsync(wrong, Bounded.Token())).Status);
        Assert.Empty(a.Host.Connections);
        Assert.Equal(DialStatus.SelfDial, (await a.Host.DialAsync(a.Address, Bounded.Token())).Status);
        Assert.Equal(DialStatus.UnsupportedAddress, (await a.Host.DialAsync(Multiaddr.Parse("/ip4/127.0.0.1"), Bounded.Token())).Status);
    }

    [Fact]
    public async Task Dial_SilentListener_TimesOut()
    {
        await using var a = await TestHost.StartAsync(1);
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = Multiaddr.FromEndPoint((IPEndPoint)silent.LocalEndpoint);

        var dial = await a.Host.DialAsync(address, TimeSpan.FromMilliseconds(300), Bounded.Token());
        Assert.Equal(DialStatus.TimedOut, dial.Status);
    }

    [Fact]
    public async Task ConnectionLimits_InboundAndOutboundBudgetsAreSeparate()
    {
        await using var limited = await TestHost.StartAsync(1, o => { o.MaxInboundConnections = 1; o.MaxOutboundConnections = 1; });
        await using var b = await TestHost.StartAsync(2);
        await using var c = await TestHost.StartAsync(3);
        await using var d = await TestHost.StartAsync(4);
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        limited.Host.PeerConnected += (_, _) => accepted.TrySetResult();
        Assert.True((await b.Host.DialAsync(limited.Address, Bounded.Token())).IsConnected);
        await accepted.Task.Within();

        // Inbound over the limit: the socket is closed before any upgrade.
        Assert.False((await c.Host.DialAsync(limited.Address, Bounded.Token())).IsConnected);

        // The full inbound budget leaves the outbound one alone; beyond it a dial is refused locally.
        Assert.True((await limited.Host.DialAsync(c.Address, Bounded.Token())).IsConnected);
        Assert.Equal(DialStatus.ConnectionLimitReached, (await limited.Host.DialAsync(d.Address, Bounded.Token())).Status);
        Assert.Equal(2, limited.Host.Connections.Count);
    }

    [Fact]
    public async Task Disconnect_RaisesEventsOnBothSides()
    {
        await using var a = await TestHost.StartAsync(1);
        await using var b = await TestHost.StartAsync(2);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Host.PeerConnected += (_, _) => connected.TrySetResult();
        a.Host.PeerDisconnected += (_, _) => aGone.TrySetResult();
        b.Host.PeerDisconnected += (_, _) => bGone.TrySetResult();
        Assert.True((await a.Host.DialAsync(b.Address, Bounded.Token())).IsConnected);
        await connected.Task.Within();

        Assert.True(await a.Host.DisconnectAsync(b.Host.PeerId));
        await aGone.Task.Within();
        await bGone.Task.Within();
        Assert.Empty(a.Host.Connections);
        Assert.Empty(b.Host.Connections);
    }

    [Fact]
    public async Task Streams_OpenedAndDisposed_AreReleasedOnTheDialer()
    {
        await using var a = await TestHost.StartAsync(1);
        await using var b = await TestHost.StartAsync(2);
        b.Host.SetStreamHandler(Echo, EchoAsync);
        var dial = await a.Host.DialAsync(b.Address, Bounded.Token());
        Assert.True(dial.IsConnected);
        var connection = (Libp2pConnection)dial.Connection;

        for (var i = 0; i < 50; i++)
        {
            var opened = await connection.OpenStreamAsync([Echo], Bounded.Token());
            Assert.True(opened.IsOpened, opened.Reason);
            await using var stream = opened.Stream;
            await stream.WriteAsync(new byte[] { (byte)i });
            await stream.CloseWriteAsync();
            var echoed = new byte[2];
            Assert.Equal(1, await stream.ReadAtLeastAsync(echoed, 2, throwOnEndOfStream: false).AsTask().Within());
            Assert.Equal((byte)i, echoed[0]);
        }

        // Both sides closed every echo stream, so the session keeps none of them. At most the two
        // identify streams (ours and the remote's) may still be finishing concurrently.
        Assert.InRange(connection.StreamCount, 0, 2);
    }

    [Fact]
    public async Task Handler_Throwing_ResetsStreamOnly()
    {
        await using var a = await TestHost.StartAsync(1);
        await using var b = await TestHost.StartAsync(2);
        b.Host.SetStreamHandler("/boom/1.0.0", async (stream, ct) =>
        {
            await stream.ReadExactlyAsync(new byte[1], ct);
            throw new InvalidOperationException("handler bug");
        });
        Assert.True((await a.Host.DialAsync(b.Address, Bounded.Token())).IsConnected);

        var opened = await a.Host.OpenStreamAsync(b.Host.PeerId, ["/boom/1.0.0"], Bounded.Token());
        Assert.True(opened.IsOpened, opened.Reason);
        await opened.Stream.WriteAsync(new byte[1]);
        await Assert.ThrowsAsync<IOException>(() => opened.Stream.ReadAsync(new byte[1]).AsTask().Within());
        Assert.Equal(PingStatus.Ok, (await a.Host.PingAsync(b.Host.PeerId, Bounded.Token())).Status);
    }

    [Fact]
    public async Task InboundStreams_EndWhileTheConnectionLives_NoExceptionThrown()
    {
        // Each served stream used to dispose a continuation of connection.Closed that had not run
        // yet: an InvalidOperationException at the end of every inbound stream (40 a second in a
        // LeNet node), and one continuation left on the connection per stream.
        await using var a = await TestHost.StartAsync(1);
        await using var b = await TestHost.StartAsync(2);
        b.Host.SetStreamHandler(Echo, EchoAsync);
        Assert.True((await a.Host.DialAsync(b.Address, Bounded.Token())).IsConnected);
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is InvalidOperationException && e.Exception.Message.StartsWith("A task may only be disposed", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref thrown);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var opened = await a.Host.OpenStreamAsync(b.Host.PeerId, [Echo], Bounded.Token());
                Assert.True(opened.IsOpened, opened.Reason);
                await using var stream = opened.Stream;
                await stream.WriteAsync(new byte[] { (byte)i });
                await stream.CloseWriteAsync();
                var echoed = new MemoryStream();
                await stream.CopyToAsync(echoed).Within();
                Assert.Equal([(byte)i], echoed.ToArray());
            }

            Assert.Equal(PingStatus.Ok, (await a.Host.PingAsync(b.Host.PeerId, Bounded.Token())).Status);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, Volatile.Read(ref thrown));
    }

    internal static Task EchoAsync(Libp2pStream stream, CancellationToken ct) =>
        stream.CopyToAsync(stream, ct).ContinueWith(t => stream.CloseWriteAsync().AsTask(), ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap();

    private static Decentral.Identity.PeerId PeerIdOf(byte seed)
    {
        using var identity = Decentral.Identity.PeerIdentity.FromSeed(Enumerable.Repeat(seed, 32).ToArray());
        return identity.PeerId;
    }
}
