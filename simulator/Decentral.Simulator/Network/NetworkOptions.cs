namespace Decentral.Simulator.Network;

/// <summary>Options of a <see cref="SimNetwork"/>. Bandwidths are bytes per second.</summary>
public sealed class NetworkOptions
{
    /// <summary>Number of node indexes (0..NodeCount-1); nodes that join later need an index reserved here.</summary>
    public int NodeCount { get; init; }

    /// <summary>Probability that a message is silently dropped, in [0,1); default 0.</summary>
    public double LossProbability { get; init; }

    /// <summary>Seed of the loss draws.</summary>
    public int Seed { get; init; }

    /// <summary>Upload capacity of every node unless set per node; default unlimited.</summary>
    public double DefaultUploadBytesPerSecond { get; init; } = double.PositiveInfinity;

    /// <summary>Download capacity of every node unless set per node; default unlimited.</summary>
    public double DefaultDownloadBytesPerSecond { get; init; } = double.PositiveInfinity;

    /// <summary>
    /// Messages smaller than this skip the bandwidth model and take only the latency; default
    /// 4096 bytes. Control messages (pings, acks) then cost one event instead of a transfer
    /// whose start and end reshuffle the bandwidth of both nodes, while model transfers (MBs)
    /// are modelled fully.
    /// </summary>
    public long BandwidthThresholdBytes { get; init; } = 4096;

    /// <summary>Initial number of in-flight message slots (they grow on demand); default 256.</summary>
    public int InitialMessageCapacity { get; init; } = 256;

    /// <summary>Whether nodes start online; default true.</summary>
    public bool NodesStartOnline { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(NodeCount, 1, nameof(NodeCount));
        if (!(LossProbability >= 0 && LossProbability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LossProbability), LossProbability, "Must be in [0,1).");
        }

        ValidateBandwidth(DefaultUploadBytesPerSecond, nameof(DefaultUploadBytesPerSecond));
        ValidateBandwidth(DefaultDownloadBytesPerSecond, nameof(DefaultDownloadBytesPerSecond));
        ArgumentOutOfRangeException.ThrowIfNegative(BandwidthThresholdBytes, nameof(BandwidthThresholdBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialMessageCapacity, 1, nameof(InitialMessageCapacity));
    }

    internal static void ValidateBandwidth(double bytesPerSecond, string name)
    {
        if (!(bytesPerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(name, bytesPerSecond, "Bandwidth must be positive (PositiveInfinity for unlimited).");
        }
    }
}
