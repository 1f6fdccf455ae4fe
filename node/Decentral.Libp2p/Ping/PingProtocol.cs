using Decentral.Libp2p.Host;

namespace Decentral.Libp2p.Ping;

/// <summary>Ping (/ipfs/ping/1.0.0): the opener sends 32 bytes, the other side echoes them, until end of stream.</summary>
public static class PingProtocol
{
    /// <summary>The protocol id.</summary>
    public const string ProtocolId = "/ipfs/ping/1.0.0";

    /// <summary>Bytes per ping.</summary>
    public const int PayloadLength = 32;

    /// <summary>Echoes 32-byte payloads until the remote closes (responder).</summary>
    public static async Task EchoAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[PayloadLength];
        while (await stream.ReadAtLeastAsync(buffer, PayloadLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == PayloadLength)
        {
            await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one payload and checks the echo (opener); measures the round trip with <paramref name="time"/>.</summary>
    public static async Task<PingResult> PingOnceAsync(Stream stream, byte[] payload, TimeProvider time, CancellationToken cancellationToken)
    {
        if (payload.Length != PayloadLength)
        {
            throw new ArgumentException($"A ping payload has {PayloadLength} bytes.", nameof(payload));
        }

        var started = time.GetTimestamp();
        await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        var echo = new byte[PayloadLength];
        var read = await stream.ReadAtLeastAsync(echo, PayloadLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(started);
        return read == PayloadLength && echo.AsSpan().SequenceEqual(payload)
            ? new PingResult(PingStatus.Ok, elapsed, null)
            : new PingResult(PingStatus.BadEcho, TimeSpan.Zero, read < PayloadLength ? "stream ended before the echo" : "echo differs");
    }
}
