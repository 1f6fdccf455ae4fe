using Decentral.Aggregation;

namespace Decentral.Telemetry;

/// <summary>
/// Counts the models a run (the simulator) or a node refused, per <see cref="RejectionReason"/>
/// (validation and round consistency, see <c>RobustnessOptions</c>). One ledger feeds the rows of
/// <see cref="RoundRow"/>: each row takes the counts since the previous row. Thread-safe.
/// </summary>
public sealed class RejectionLedger
{
    private readonly Lock _gate = new();
    private readonly long[] _counts = new long[RoundRow.RejectionReasons.Count + 1];
    private readonly long[] _atLastRow = new long[RoundRow.RejectionReasons.Count + 1];

    /// <summary>Counts one refused model.</summary>
    public void Count(RejectionReason reason)
    {
        if (reason == RejectionReason.None || (int)reason >= _counts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a rejection reason.");
        }

        lock (_gate)
        {
            _counts[(int)reason]++;
        }
    }

    /// <summary>Refusals so far, per reason (only reasons that occurred).</summary>
    public IReadOnlyDictionary<RejectionReason, long> Totals
    {
        get
        {
            lock (_gate)
            {
                return RoundRow.RejectionReasons.Where(r => _counts[(int)r] > 0).ToDictionary(r => r, r => _counts[(int)r]);
            }
        }
    }

    /// <summary>Fills <see cref="RoundRow.Rejected"/> with the refusals since the previous row.</summary>
    public void FillRow(RoundRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            for (var k = 0; k < _counts.Length; k++)
            {
                row.Rejected[k] = _counts[k] - _atLastRow[k];
                _atLastRow[k] = _counts[k];
            }
        }
    }
}
