using Decentral.Identity;
using Decentral.Protocol;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>
/// Holds back the Acks an aggregator owes its trainers until the round's aggregate has reached
/// enough of the next sample to carry the session on (protocol:minModels of it, or all of it
/// when it is smaller). The core Acks a round's contributors in the same event in which it hands
/// the aggregate to the driver, and the driver delivers later: a process killed in between has
/// told its trainers their models are safe while nobody received the aggregate, and with one
/// aggregator per round no node holds anything that would start the next round: the session
/// stops for good (found by the soak: kill -9 of an aggregator 80 ms after it aggregated).
/// Held back, an Ack means what the trainer takes it to mean; the trainers of an aggregate that
/// never left time out and fail over to the next aggregator, the core's own retry.
/// </summary>
/// <remarks>
/// Used on the event loop only. Per event: Acks are deferred (<see cref="TryDefer"/>) and
/// aggregate sends counted (<see cref="AggregateSending"/>); <see cref="EndEvent"/> releases the
/// Acks of rounds whose aggregate did not leave in that event and holds the rest until
/// <see cref="Delivered"/> has counted enough deliveries. At most <c>maxRounds</c> rounds are held;
/// the oldest beyond are forgotten (their trainers fail over).
/// </remarks>
internal sealed class AckHold(int maxRounds)
{
    private readonly List<(PeerId To, Ack Ack)> _deferred = [];
    private readonly Dictionary<long, int> _aggregatesThisEvent = [];
    private readonly SortedDictionary<long, Held> _held = [];

    /// <summary>Rounds whose Acks wait for deliveries now.</summary>
    public int HeldRounds => _held.Count;

    /// <summary>Defers a successful Ack to the end of the event (true); anything else is not this class's business (false).</summary>
    public bool TryDefer(PeerId to, ProtocolMessage message)
    {
        if (message is not Ack { Success: true } ack)
        {
            return false;
        }

        _deferred.Add((to, ack));
        return true;
    }

    /// <summary>The core handed an aggregate of <paramref name="round"/> to the driver in this event.</summary>
    public void AggregateSending(long round) => _aggregatesThisEvent[round] = _aggregatesThisEvent.GetValueOrDefault(round) + 1;

    /// <summary>
    /// The event is over: returns the Acks to send now and holds those of rounds whose aggregate
    /// went out in this event until min(<paramref name="minModels"/>, its sends) were delivered.
    /// </summary>
    public IReadOnlyList<(PeerId To, Ack Ack)> EndEvent(int minModels)
    {
        if (_deferred.Count == 0)
        {
            _aggregatesThisEvent.Clear();
            return [];
        }

        var now = new List<(PeerId, Ack)>();
        foreach (var (to, ack) in _deferred)
        {
            if (!_aggregatesThisEvent.TryGetValue(ack.Round, out var sends))
            {
                now.Add((to, ack));
                continue;
            }

            if (!_held.TryGetValue(ack.Round, out var held))
            {
                held = new Held(Math.Max(1, Math.Min(minModels, sends)));
                _held.Add(ack.Round, held);
            }

            held.Acks.Add((to, ack));
        }

        _deferred.Clear();
        _aggregatesThisEvent.Clear();
        while (_held.Count > maxRounds)
        {
            _held.Remove(_held.Keys.First());
        }

        return now;
    }

    /// <summary>An aggregate of <paramref name="round"/> was delivered: the Acks it releases (empty while more deliveries are needed).</summary>
    public IReadOnlyList<(PeerId To, Ack Ack)> Delivered(long round)
    {
        if (!_held.TryGetValue(round, out var held) || --held.Needed > 0)
        {
            return [];
        }

        _held.Remove(round);
        return held.Acks;
    }

    private sealed class Held(int needed)
    {
        public int Needed { get; set; } = needed;

        public List<(PeerId To, Ack Ack)> Acks { get; } = [];
    }
}
