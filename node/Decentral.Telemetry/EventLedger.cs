using Decentral.Aggregation;
using Decentral.Protocol;

namespace Decentral.Telemetry;

/// <summary>
/// Counts, between rows of <see cref="RoundRow"/>, what a run (the simulator) or a node refused,
/// per <see cref="RejectionReason"/> (validation and round consistency, see
/// <c>RobustnessOptions</c>), and what its round checks found, per <see cref="RoundRow.CheckKinds"/>
/// outcome. Each row takes the counts since the previous row. Thread-safe.
/// </summary>
public sealed class EventLedger
{
    private readonly Lock _gate = new();
    private readonly long[] _rejected = new long[RoundRow.RejectionReasons.Count + 1];
    private readonly long[] _rejectedAtLastRow = new long[RoundRow.RejectionReasons.Count + 1];
    private readonly long[] _checks = new long[RoundRow.CheckKinds.Count];
    private readonly long[] _checksAtLastRow = new long[RoundRow.CheckKinds.Count];

    /// <summary>Counts one refused model.</summary>
    public void Rejected(RejectionReason reason)
    {
        if (reason == RejectionReason.None || (int)reason >= _rejected.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a rejection reason.");
        }

        lock (_gate)
        {
            _rejected[(int)reason]++;
        }
    }

    /// <summary>
    /// Counts <paramref name="observation"/> when it is a round check's outcome (one peer each, a
    /// TrainersSilent one its count of peers); other observations are not counted here.
    /// </summary>
    public void Observed(ProtocolObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (RoundRow.CheckIndex(observation.Kind) is not { } index)
        {
            return;
        }

        lock (_gate)
        {
            _checks[index] += RoundRow.PeersOf(observation);
        }
    }

    /// <summary>Refusals so far, per reason (only reasons that occurred).</summary>
    public IReadOnlyDictionary<RejectionReason, long> Totals
    {
        get
        {
            lock (_gate)
            {
                return RoundRow.RejectionReasons.Where(r => _rejected[(int)r] > 0).ToDictionary(r => r, r => _rejected[(int)r]);
            }
        }
    }

    /// <summary>Fills <see cref="RoundRow.Rejected"/> and <see cref="RoundRow.Checks"/> with the counts since the previous row.</summary>
    public void FillRow(RoundRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            Since(_rejected, _rejectedAtLastRow, row.Rejected);
            Since(_checks, _checksAtLastRow, row.Checks);
        }
    }

    private static void Since(long[] counts, long[] atLastRow, long[] into)
    {
        for (var k = 0; k < counts.Length; k++)
        {
            into[k] = counts[k] - atLastRow[k];
            atLastRow[k] = counts[k];
        }
    }
}
