namespace Decentral.Libp2p.Yamux;

/// <summary>Options of a yamux session; validated when the session starts.</summary>
public sealed class YamuxOptions
{
    /// <summary>The spec's initial stream window (256 KiB); a stream never grants less.</summary>
    public const int SpecInitialWindow = 256 * 1024;

    /// <summary>
    /// Receive window per stream (default 256 KiB, at least <see cref="SpecInitialWindow"/>):
    /// the most one stream buffers before its reader catches up.
    /// </summary>
    public int MaxStreamWindow { get; set; } = 1024 * 1024;

    /// <summary>Largest data frame we send (default 64 KiB).</summary>
    public int MaxFrameSize { get; set; } = 64 * 1024;

    /// <summary>Maximum concurrently open streams per session (default 512); more are reset.</summary>
    public int MaxStreams { get; set; } = 512;

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
