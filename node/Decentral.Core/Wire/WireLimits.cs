namespace Decentral.Wire;

/// <summary>
/// Bounds the decoder enforces on every incoming message. They exist so a hostile or broken
/// peer cannot make a node allocate unbounded memory from a length field or inject values the
/// protocol would never produce. Validated when a codec is built (<see cref="EnsureValid"/>).
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

    /// <summary>Every problem with these limits (empty when valid), each naming its property.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Require(errors, MaxMessageBytes >= 16, nameof(MaxMessageBytes), "at least 16", MaxMessageBytes);
        Require(errors, MaxModelParameters is >= 0 and <= int.MaxValue / sizeof(float), nameof(MaxModelParameters), $"between 0 and {int.MaxValue / sizeof(float)}", MaxModelParameters);
        Require(errors, MaxViewRecords >= 0, nameof(MaxViewRecords), "non-negative", MaxViewRecords);
        Require(errors, MaxLayoutIdBytes is >= 1 and <= LayoutIdBytesCeiling, nameof(MaxLayoutIdBytes), $"between 1 and {LayoutIdBytesCeiling}", MaxLayoutIdBytes);
        Require(errors, MaxRound >= 0, nameof(MaxRound), "non-negative", MaxRound);
        Require(errors, MaxMembershipIndex >= 0, nameof(MaxMembershipIndex), "non-negative", MaxMembershipIndex);
        Require(errors, MaxSampleCount >= 0, nameof(MaxSampleCount), "non-negative", MaxSampleCount);
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when invalid.</summary>
    public WireLimits EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid wire limits: " + string.Join(" ", errors));
    }

    private static void Require(List<string> errors, bool valid, string name, string rule, long value)
    {
        if (!valid)
        {
            errors.Add($"{name} must be {rule} (got {value}).");
        }
    }
}
