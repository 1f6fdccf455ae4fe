namespace Decentral.Libp2p.Gossip.Transfer;

/// <summary>Limits of the /decentral/model/1.0.0 protocol; validated by <see cref="EnsureValid"/>.</summary>
public sealed record ModelTransferOptions
{
    /// <summary>Largest request header (what is asked for), default 64 KiB.</summary>
    public int MaxHeaderBytes { get; init; } = 64 * 1024;

    /// <summary>Largest body accepted in either direction, default 256 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Copy chunk size (pooled), default 262064 bytes: with the 12-byte yamux header that is four
    /// full 65519-byte Noise plaintexts, sent in one transport write and never spilling a tiny frame.
    /// </summary>
    public int ChunkBytes { get; init; } = (4 * 65519) - 12;

    /// <summary>
    /// Time a whole exchange may take, default 5 min. A peer that reads too slowly is cut off
    /// when it passes (the stream is reset and the exchange ends as <see cref="TransferStatus.TimedOut"/>);
    /// meanwhile it holds at most one yamux window and one chunk of the sender's memory.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Inbound exchanges served at once (default 32: an aggregator takes a whole sample's models
    /// at about the same time); a further stream is reset at once (counted as refused_busy). Each
    /// costs at most one yamux window and one chunk of memory.
    /// </summary>
    public int MaxConcurrentInbound { get; init; } = 32;

    /// <summary>Inbound exchanges served at once for one peer (default 4).</summary>
    public int MaxConcurrentInboundPerPeer { get; init; } = 4;

    /// <summary>Outbound exchanges at once (default 8); a further request waits for a slot within <see cref="Timeout"/>.</summary>
    public int MaxConcurrentOutbound { get; init; } = 8;

    /// <summary>Throws <see cref="ArgumentException"/> when a limit is out of range.</summary>
    public void EnsureValid()
    {
        if (MaxHeaderBytes < 1 || MaxBodyBytes < 0 || ChunkBytes < 1024 || Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Need MaxHeaderBytes >= 1, MaxBodyBytes >= 0, ChunkBytes >= 1024 and a positive Timeout.");
        }

        if (MaxConcurrentInbound < 1 || MaxConcurrentInboundPerPeer < 1 || MaxConcurrentOutbound < 1)
        {
            throw new ArgumentException("MaxConcurrentInbound, MaxConcurrentInboundPerPeer and MaxConcurrentOutbound must be at least 1.");
        }
    }
}

/// <summary>How an exchange ended. The first four are also the response status byte on the wire.</summary>
public enum TransferStatus : byte
{
    /// <summary>The body was transferred.</summary>
    Ok = 0,

    /// <summary>The server has nothing for this request.</summary>
    NotFound = 1,

    /// <summary>A body or header exceeded the size limit.</summary>
    TooLarge = 2,

    /// <summary>The server refused the request.</summary>
    Refused = 3,

    /// <summary>The remote sent bytes that are not this protocol (bad prefix, truncated body).</summary>
    ProtocolError = 100,

    /// <summary>The stream could not be opened or broke.</summary>
    StreamFailed = 101,

    /// <summary>The exchange took longer than <see cref="ModelTransferOptions.Timeout"/>.</summary>
    TimedOut = 102,
}

/// <summary>Outcome of an exchange.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="BodyBytes">Response body bytes written to the sink.</param>
/// <param name="Reason">Detail on failure.</param>
public readonly record struct TransferResult(TransferStatus Status, long BodyBytes, string? Reason)
{
    /// <summary>True when the response body arrived completely.</summary>
    public bool Ok => Status == TransferStatus.Ok;
}

/// <summary>
/// An inbound request as the server sees it. <see cref="Body"/> reads straight from the network
/// (exactly <see cref="BodyLength"/> bytes), so a pushed model is never buffered whole.
/// </summary>
/// <param name="Header">The small request header (what is asked for or announced).</param>
/// <param name="Body">The request body stream.</param>
/// <param name="BodyLength">Its length in bytes.</param>
public sealed record ModelRequest(ReadOnlyMemory<byte> Header, Stream Body, long BodyLength);

/// <summary>What a server answers: a status and a body read from <paramref name="Body"/> (for Ok the payload, otherwise an optional UTF-8 reason).</summary>
/// <param name="Status">Ok, NotFound, TooLarge or Refused.</param>
/// <param name="Body">The response body source (null means empty); disposed after sending.</param>
/// <param name="Length">Number of bytes to send from <paramref name="Body"/>.</param>
public readonly record struct ModelResponse(TransferStatus Status, Stream? Body, long Length)
{
    /// <summary>An empty response with a status.</summary>
    public static ModelResponse Empty(TransferStatus status) => new(status, null, 0);
}

/// <summary>Serves one request. It should read the request body (the server drains what it leaves).</summary>
public delegate ValueTask<ModelResponse> ModelRequestHandler(Decentral.Identity.PeerId peer, ModelRequest request, CancellationToken cancellationToken);
