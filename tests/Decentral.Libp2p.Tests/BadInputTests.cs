using System.Buffers;
using System.Net.Sockets;
using Decentral.Identity;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Noise;
using Decentral.Libp2p.Tests.Kit;
using Decentral.Libp2p.Yamux;
using Mss = Decentral.Libp2p.MultistreamSelect.MultistreamSelect;

namespace Decentral.Libp2p.Tests;

/// <summary>
/// A misbehaving raw client against a host that also serves a good peer: the bad connection is
/// closed, nothing stays registered for it, and the good connection keeps working.
/// </summary>
public sealed class BadInputTests
{
    public enum Attack
    {
        MalformedVarint,
        LineOverCap,
        WrongHandshakeSignature,
        GarbageHandshake,
        BadAeadTag,
        TruncatedFrame,
        UnknownYamuxType,
        YamuxDataBeyondWindow,
        YamuxSynOnStreamZero,
    }

    public static TheoryData<Attack, string> Attacks => new()
    {
        { Attack.MalformedVarint, "malformed varint" },
        { Attack.LineOverCap, "cap 1024" },
        { Attack.WrongHandshakeSignature, "does not verify" },
        { Attack.GarbageHandshake, "noise" },
        { Attack.BadAeadTag, "bad AEAD tag" },
        { Attack.TruncatedFrame, "truncated" },
        { Attack.UnknownYamuxType, "unknown yamux frame type 9" },
        { Attack.YamuxDataBeyondWindow, "exceeds any window" },
        { Attack.YamuxSynOnStreamZero, "on stream 0" },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Host_BadInput_ClosesOffenderWithLoggedReasonAndKeepsServingOthers(Attack attack, string loggedReason)
    {
        var logs = new ListLoggerFactory();
        await using var host = await TestHost.StartAsync(20, logs: logs);
        await using var good = await TestHost.StartAsync(21);
        Assert.True((await good.Host.DialAsync(host.Address, Bounded.Token())).IsConnected);
        var upgraded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Host.PeerConnected += (_, e) => { if (e.Connection.RemotePeer != good.Host.PeerId) upgraded.TrySetResult(); };
        host.Host.PeerDisconnected += (_, e) => { if (e.Connection.RemotePeer != good.Host.PeerId) disconnected.TrySetResult(); };

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.True(host.Address.TryGetTcpTarget(out var ip, out var port, out _));
        await socket.ConnectAsync(ip, port);
        await using var raw = new NetworkStream(socket, ownsSocket: false);
        using var evil = PeerIdentity.FromSeed(Enumerable.Repeat((byte)66, 32).ToArray());

        var reachedMuxer = await AttackAsync(attack, raw, evil);

        // The host closes the offending connection: we read end of stream (or a reset).
        Assert.True(await EndsAsync(raw), $"{attack}: connection not closed by the host");
        if (reachedMuxer)
        {
            await upgraded.Task.Within();
            await disconnected.Task.Within();
        }

        await logs.WaitForAsync(loggedReason);
        Assert.All(host.Host.Connections, c => Assert.Equal(good.Host.PeerId, c.RemotePeer));
        Assert.Equal(PingStatus.Ok, (await good.Host.PingAsync(host.Host.PeerId, Bounded.Token())).Status);
        Assert.Equal(PingStatus.Ok, (await host.Host.PingAsync(good.Host.PeerId, Bounded.Token())).Status);
    }

    /// <summary>Runs the attack; true when it got as far as a yamux session on the host.</summary>
    private static async Task<bool> AttackAsync(Attack attack, NetworkStream raw, PeerIdentity evil)
    {
        switch (attack)
        {
            case Attack.MalformedVarint:
                await raw.WriteAsync(Enumerable.Repeat((byte)0xff, 12).ToArray());
                return false;
            case Attack.LineOverCap:
                var header = new ArrayBufferWriter<byte>();
                Mss.WriteMessage(header, Mss.ProtocolId);
                await raw.WriteAsync(header.WrittenMemory);
                await raw.WriteAsync(Varint.Encode(1500));
                await raw.WriteAsync(new byte[1500]);
                return false;
            case Attack.WrongHandshakeSignature:
                await SelectNoiseAsync(raw);
                await EvilNoise.InitiateWithWrongSignatureAsync(raw, evil).Within();
                return false;
            case Attack.GarbageHandshake:
                await SelectNoiseAsync(raw);
                await raw.WriteAsync(new byte[] { 0x00, 0x20 });
                await raw.WriteAsync(new byte[32]);
                await raw.WriteAsync(new byte[] { 0x01, 0x00 });
                await raw.WriteAsync(new byte[256]);
                return false;
        }

        await SelectNoiseAsync(raw);
        var noise = await NoiseHandshake.RunAsync(raw, evil, true, [YamuxProtocol.ProtocolId], null, Bounded.Token()).Within();
        Assert.Equal(NoiseStatus.Ok, noise.Status);
        var secure = noise.Stream!;
        var frame = new byte[YamuxHeader.Size];
        switch (attack)
        {
            case Attack.BadAeadTag:
                await raw.WriteAsync(new byte[] { 0x00, 0x20 });
                await raw.WriteAsync(new byte[32]);
                break;
            case Attack.TruncatedFrame:
                await raw.WriteAsync(new byte[] { 0x01, 0x00, 1, 2, 3 });
                raw.Socket.Shutdown(SocketShutdown.Send);
                break;
            case Attack.UnknownYamuxType:
                frame[1] = 9;
                await secure.WriteAsync(frame);
                break;
            case Attack.YamuxDataBeyondWindow:
                new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Syn, 1, 32 * 1024 * 1024).Write(frame);
                await secure.WriteAsync(frame);
                break;
            case Attack.YamuxSynOnStreamZero:
                new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 0, 0).Write(frame);
                await secure.WriteAsync(frame);
                break;
        }

        return true;
    }

    private static async Task SelectNoiseAsync(Stream raw)
    {
        var result = await Mss.SelectAsync(raw, ["/noise"], Bounded.Token()).Within();
        Assert.Equal("/noise", result.Protocol);
    }

    private static async Task<bool> EndsAsync(NetworkStream raw)
    {
        var buffer = new byte[4096];
        try
        {
            // Drain whatever the host still sends (GoAway, handshake bytes) until it closes.
            while (await raw.ReadAsync(buffer).AsTask().Within() > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
