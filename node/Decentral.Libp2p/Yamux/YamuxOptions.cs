namespace Decentral.Libp2p.Yamux;

/// <summary>Options of a yamux session; validated when the session starts.</summary>
public sealed class YamuxOptions
{
    /// <summary>The spec's initial stream window (256 KiB); a stream never grants less.</summary>
    public const int SpecInitialWindow = 256 * 1024;

    /// <summary>
    /// Receive window per stream (default 1 MiB, at least <see cref="SpecInitialWindow"/>):
    /// the most one stream buffers before its reader catches up. A session buffers at most
    /// <see cref="MaxSessionBufferedBytes"/> over all its streams.
    /// </summary>
    public int MaxStreamWindow { get; set; } = 1024 * 1024;

    /// <summary>
    /// Largest data frame we send. Default 262064 bytes: with the 12-byte header a full frame is
    /// exactly four full Noise frames (4 x 65519 plaintext bytes), which the secure channel sends in
    /// one transport write; it also fits the spec's initial 256 KiB window.
    /// </summary>
    public int MaxFrameSize { get; set; } = (4 * 65519) - 12;

    /// <summary>
    /// Bytes of receive buffers one session may hold over all its streams (default 32 MiB, at
    /// least <see cref="MaxStreamWindow"/>). Each stream is bounded by its window already; this
    /// bounds a connection whose remote fills many windows its local readers do not drain: the
    /// stream whose frame would pass the budget is reset (its reader was the slow one).
    /// </summary>
    public long MaxSessionBufferedBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Maximum concurrently open streams per session (default 256); more are reset.</summary>
    public int MaxStreams { get; set; } = 256;

    /// <summary>Interval between keepalive pings; zero disables them (default 30 s).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Close the session when a keepalive ping gets no answer within this time (default 30 s).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        if (MaxStreamWindow < SpecInitialWindow || MaxStreamWindow > 16 * 1024 * 1024)
        {
            throw new ArgumentException("MaxStreamWindow must be between 256 KiB and 16 MiB.", nameof(MaxStreamWindow));
        }

        if (MaxFrameSize < 1024 || MaxFrameSize > 1024 * 1024)
        {
            throw new ArgumentException("MaxFrameSize must be between 1 KiB and 1 MiB.", nameof(MaxFrameSize));
        }

        if (MaxSessionBufferedBytes < MaxStreamWindow)
        {
            throw new ArgumentException("MaxSessionBufferedBytes must be at least MaxStreamWindow.", nameof(MaxSessionBufferedBytes));
        }

        if (MaxStreams < 1)
        {
            throw new ArgumentException("MaxStreams must be at least 1.", nameof(MaxStreams));
        }

        if (KeepAliveInterval < TimeSpan.Zero || KeepAliveTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("KeepAliveInterval must be >= 0 and KeepAliveTimeout > 0.");
        }
    }
}
