using Decentral.Identity;

namespace Decentral.Node.Runtime.Peers;

/// <summary>
/// Which connected peers a gathering node asks for their member lists: every peer it has not
/// asked yet at once, and once per <paramref name="interval"/> the peer asked longest ago again
/// (what the peers know grows while the founders gather; one re-ask per interval, not one per
/// peer, keeps a large cold start from trading whole member lists between every pair). Not
/// thread-safe: the gathering loop owns it.
/// </summary>
internal sealed class MemberPulls(TimeSpan interval)
{
    private readonly Dictionary<PeerId, DateTimeOffset> _asked = [];
    private DateTimeOffset _lastAgain = DateTimeOffset.MinValue;

    /// <summary>The peers of <paramref name="connected"/> to ask now, each recorded as asked at <paramref name="now"/>.</summary>
    public IReadOnlyList<PeerId> Due(IEnumerable<PeerId> connected, DateTimeOffset now)
    {
        var due = new List<PeerId>();
        PeerId? again = null;
        var againAskedAt = DateTimeOffset.MaxValue;
        foreach (var peer in connected.Distinct())
        {
            if (!_asked.TryGetValue(peer, out var at))
            {
                _asked[peer] = now;
                due.Add(peer);
            }
            else if (now - at >= interval && now - _lastAgain >= interval && at < againAskedAt)
            {
                again = peer;
                againAskedAt = at;
            }
        }

        if (again is { } peerAgain)
        {
            _asked[peerAgain] = now;
            _lastAgain = now;
            due.Add(peerAgain);
        }

        return due;
    }
}
