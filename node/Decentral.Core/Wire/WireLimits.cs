namespace Decentral.Wire;

/// <summary>
/// Bounds the decoder enforces on every incoming message. They exist so a hostile or broken
/// peer cannot make a node allocate unbounded memory from a length field or inject values the
/// protocol would never produce. Validated when a codec is built (<see cref="Validate"/>).
/// </summary>
public sealed class WireLimits
{
    /// <summary>The largest layout id length the decoder accepts.</summary>
    public const int LayoutIdBytesCeiling = 1024;

    /// <summary>Largest encoded message accepted, in bytes. Default 160 MiB (room for the default model limit).</summary>
    public long MaxMessageBytes { get; init; } = 160L * 1024 * 1024;

    /// <summary>Most float parameters in one model. Default 32 Mi (128 MiB of float32; ResNet-18 has 11.7 M).</summary>
    public int MaxModelParameters { get; init; } = 32 * 1024 * 1024;

    /// <summary>Most peer records in one view update or snapshot. Default 100 000.</summary>
    public int MaxViewRecords { get; init; } = 100_000;

    /// <summary>Longest layout id in UTF-8 bytes. Default 128; at most <see cref="LayoutIdBytesCeiling"/>.</summary>
    public int MaxLayoutIdBytes { get; init; } = 128;

    /// <summary>Highest round number (rounds, round estimates, last-active rounds). Default 2^40.</summary>
    public long MaxRound { get; init; } = 1L << 40;

    /// <summary>Highest membership index (a higher index wins merges, so absurd ones are refused). Default 2^32.</summary>
    public long MaxMembershipIndex { get; init; } = 1L << 32;

    /// <summary>Highest sample count a trainer may claim for one round (its FedAvg weight). Default 10^9.</summary>
    public int MaxSampleCount { get; init; } = 1_000_000_000;

    /// <summary>The defaults listed on each property.</summary>
    public static WireLimits Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first property out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 16L, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxModelParameters, nameof(MaxModelParameters));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxModelParameters, int.MaxValue / sizeof(float), nameof(MaxModelParameters));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxViewRecords, nameof(MaxViewRecords));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLayoutIdBytes, 1, nameof(MaxLayoutIdBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxLayoutIdBytes, LayoutIdBytesCeiling, nameof(MaxLayoutIdBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRound, nameof(MaxRound));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxMembershipIndex, nameof(MaxMembershipIndex));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxSampleCount, nameof(MaxSampleCount));
    }
}
