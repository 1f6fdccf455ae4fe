using Decentral.Identity;

namespace Decentral.Node.Runtime.Peers;

/// <summary>
/// When the overlay may dial a member again after its dials failed: <see cref="First"/> after the
/// first failure, doubling per failure up to a maximum, each wait jittered by up to a quarter
/// either way (from a seeded random, never past the maximum), and forgotten once the member is
/// connected. A member that is down is then dialled a few times a minute at most, not every
/// overlay pass, until the view drops it. Used by the overlay loop alone (not thread-safe).
/// </summary>
internal sealed class RedialBackoff(TimeSpan max, Random random)
{
    /// <summary>The wait after a member's first failed dial.</summary>
    public static readonly TimeSpan First = TimeSpan.FromSeconds(2);

    private readonly Dictionary<PeerId, (DateTimeOffset NotBefore, TimeSpan Wait)> _waits = [];

    /// <summary>Members waiting for their next dial.</summary>
    public int Waiting => _waits.Count;

    /// <summary>True when <paramref name="peer"/> may be dialled at <paramref name="now"/>.</summary>
    public bool MayDial(PeerId peer, DateTimeOffset now) => !_waits.TryGetValue(peer, out var wait) || wait.NotBefore <= now;

    /// <summary>A dial of <paramref name="peer"/> failed at <paramref name="now"/>: returns how long it waits now.</summary>
    public TimeSpan Failed(PeerId peer, DateTimeOffset now)
    {
        var wait = _waits.TryGetValue(peer, out var last) ? TimeSpan.FromTicks(Math.Min(last.Wait.Ticks * 2, max.Ticks)) : First;
        var jittered = TimeSpan.FromTicks(Math.Min((long)(wait.Ticks * (0.75 + (random.NextDouble() * 0.5))), max.Ticks));
        _waits[peer] = (now + jittered, wait);
        return jittered;
    }

    /// <summary>Forgets the waits of connected members and of members no longer dialable.</summary>
    public void Keep(IReadOnlySet<PeerId> connected, IReadOnlyCollection<PeerId> dialable)
    {
        foreach (var peer in _waits.Keys.Where(p => connected.Contains(p) || !dialable.Contains(p)).ToList())
        {
            _waits.Remove(peer);
        }
    }
}
