namespace Decentral.Node.Runtime.Options;

/// <summary>
/// The `network` section: dialling, per-peer resilience (Polly), queues and limits. Transport
/// retries live here (a dial that fails is retried with jittered exponential backoff; a peer
/// whose circuit is open is not dialled until it goes half-open); protocol retries (model resends,
/// ping resends, aggregator failover) live in the protocol core, so nothing is retried twice.
/// </summary>
public sealed class NetworkOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "network";

    /// <summary>One dial attempt (TCP connect, Noise, Yamux) may take this long. Default 5 s.</summary>
    public TimeSpan DialTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a failed dial within one send; pings and pongs get none (the liveness search resends them). Default 2.</summary>
    public int DialRetries { get; set; } = 2;

    /// <summary>First retry delay; doubles per retry, with jitter. Default 200 ms.</summary>
    public TimeSpan DialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>One whole message delivery (dial, stream, transfer, answer) may take this long. Default 2 min.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Circuit breaker: failure ratio over the sampling window that opens a peer's circuit. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Circuit breaker: sends in the window before it may open. Default 4.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>Circuit breaker: sampling window. Default 30 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: how long an open circuit refuses sends before it goes half-open. Default 10 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bootstrap: first delay between attempts; doubles with jitter up to <see cref="BootstrapRetryMax"/>. Default 1 s.</summary>
    public TimeSpan BootstrapRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Bootstrap: longest delay between attempts (they never stop while no peer is connected). Default 30 s.</summary>
    public TimeSpan BootstrapRetryMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections to other members the node keeps up for the gossip overlay. Default 6.</summary>
    public int OverlayPeers { get; set; } = 6;

    /// <summary>
    /// Overlay: the longest wait before a member that could not be dialled is dialled for the
    /// overlay again; the wait starts at 2 s and doubles, with jitter, per failure, and ends when
    /// the member is connected (it dialled this node, or a send reached it). Default 1 min.
    /// </summary>
    public TimeSpan OverlayRedialMax { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a running node republishes its signed announcement. Default 30 s.</summary>
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Small messages (ping, pong, ack, adverts, view requests) queued per peer before new ones fail. Default 256.</summary>
    public int ControlQueue { get; set; } = 256;

    /// <summary>Model messages and view snapshots queued per peer before new ones fail. Default 8.</summary>
    public int BulkQueue { get; set; } = 8;

    /// <summary>Largest protocol message accepted, in bytes. Default 160 MiB (the wire codec's limit).</summary>
    public long MaxMessageBytes { get; set; } = 160L * 1024 * 1024;

    /// <summary>Bytes of inbound messages buffered at once (being received or waiting for the protocol); more are refused as busy. Default 512 MiB.</summary>
    public long MaxInflightBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Signed peer records attached to one outgoing model message (for the peers its view update names). Default 64.</summary>
    public int MaxAttachedRecords { get; set; } = 64;
}
