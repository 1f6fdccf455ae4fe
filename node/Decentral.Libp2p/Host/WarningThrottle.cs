namespace Decentral.Libp2p.Host;

/// <summary>
/// Decides which of many similar events is logged as a warning: the first one of a kind, then
/// at most one per interval, carrying the count of those in between (which go to Debug). For
/// events a remote can cause at will (the host's refused connections, a node's dropped gossip),
/// so that a flood cannot flood the log. Keep the kinds a fixed set: each one is remembered.
/// </summary>
/// <param name="time">The clock of the intervals.</param>
/// <param name="interval">At most one warning of a kind per interval.</param>
public sealed class WarningThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly Dictionary<string, (long LastWarning, long Suppressed)> _kinds = new(StringComparer.Ordinal);

    /// <summary>True when this event of <paramref name="kind"/> is due as a warning; <paramref name="suppressed"/> counts those logged at Debug since the last one.</summary>
    public bool IsDue(string kind, out long suppressed)
    {
        var now = time.GetTimestamp();
        lock (_kinds)
        {
            if (_kinds.TryGetValue(kind, out var state) && time.GetElapsedTime(state.LastWarning, now) < interval)
            {
                _kinds[kind] = (state.LastWarning, state.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            suppressed = state.Suppressed;
            _kinds[kind] = (now, 0);
            return true;
        }
    }
}
