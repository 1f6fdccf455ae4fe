using Decentral.Identity;
using Decentral.Membership;

namespace Decentral.Protocol;

/// <content>Membership: view updates piggybacked on model messages, adverts, pending JOINs.</content>
public sealed partial class ModestNode
{
    /// <summary>
    /// Builds the view update for <paramref name="to"/>: the records that changed since this node
    /// last sent to that peer, but never older than the start of the activity window (round
    /// estimate − T): records outside the window describe inactive peers, which the receiver
    /// would not sample anyway. A first contact therefore gets the window, not the whole view.
    /// </summary>
    internal ViewUpdate BuildUpdate(PeerId to)
    {
        TouchSelf();
        var since = WindowStartVersion();
        if (_sentVersion.TryGetValue(to, out var sent))
        {
            since = Math.Max(since, sent);
        }

        _sentVersion[to] = View.Version;
        return new ViewUpdate(View.ChangedSince(since), View.Digest, IsFull: false);
    }

    // The first view version of the activity window: changes after the checkpoint of the first
    // round >= (round estimate - T). Older checkpoints are dropped, keeping one predecessor.
    private long WindowStartVersion()
    {
        var windowStart = RoundEstimate - _options.InactivityThreshold;
        var index = _checkpoints.FindIndex(c => c.Round >= windowStart);
        if (index <= 0)
        {
            // The window reaches back to the start of this node's history: everything counts.
            return 0;
        }

        if (index > 1)
        {
            _checkpoints.RemoveRange(0, index - 1);
            index = 1;
        }

        return _checkpoints[index].Version;
    }

    private void MergeUpdate(PeerId from, ViewUpdate update)
    {
        var estimateBefore = RoundEstimate;
        foreach (var record in update.Records)
        {
            if (record.Peer == Self)
            {
                DefendOwnRecord(record);
                continue;
            }

            if (View.Merge(record))
            {
                _maxLastActive = Math.Max(_maxLastActive, record.LastActiveRound);
            }
        }

        if (RoundEstimate > estimateBefore)
        {
            Checkpoint();
        }

        if (!update.IsFull && update.MembershipDigest != View.Digest)
        {
            var round = RoundEstimate;
            if (!_lastResyncRound.TryGetValue(from, out var last) || round - last >= _options.ResyncCooldownRounds)
            {
                _lastResyncRound[from] = round;
                Observe(ObservationKind.ViewResync, round);
                SendTo(from, new ViewRequest(View.Digest));
            }
        }
    }

    // Others think this peer left (or know an index this peer lost, e.g. after a restart): take a
    // higher index so the JOIN record wins everywhere it spreads.
    private void DefendOwnRecord(in PeerRecord record)
    {
        if (record.MembershipIndex > MembershipIndex || (record.MembershipIndex == MembershipIndex && record.Status == MembershipStatus.Leave))
        {
            MembershipIndex = record.MembershipIndex + 1;
            TouchSelf();
        }
    }

    private void LearnFromProbe(PeerId from, long roundEstimate, long membershipIndex)
    {
        if (!View.TryGet(from, out var known))
        {
            // Unknown peers enter the view through JOIN adverts and view updates, not probes.
            return;
        }

        var probe = membershipIndex > known.MembershipIndex
            ? new PeerRecord(from, roundEstimate, membershipIndex, MembershipStatus.Join)
            : known with { LastActiveRound = roundEstimate };
        if (View.Merge(probe))
        {
            _maxLastActive = Math.Max(_maxLastActive, roundEstimate);
        }
    }

    private void MarkActive(PeerId peer, long round)
    {
        var active = Math.Max(round, RoundEstimate);
        if (View.Touch(peer, active))
        {
            _maxLastActive = Math.Max(_maxLastActive, active);
        }
    }

    private void TouchSelf()
    {
        var before = RoundEstimate;
        View.Merge(new PeerRecord(Self, before, MembershipIndex, MembershipStatus.Join));
        if (_checkpoints.Count == 0 || _checkpoints[^1].Round < before)
        {
            Checkpoint();
        }
    }

    // Remembers which view version belonged to which round, to find the activity window's start.
    private void Checkpoint()
    {
        var round = RoundEstimate;
        if (_checkpoints.Count == 0 || _checkpoints[^1].Round < round)
        {
            _checkpoints.Add((round, View.Version));
        }
    }

    private void OnAdvert(PeerId from, Advert advert)
    {
        var record = advert.Record;
        if (record.Peer != from)
        {
            // A peer adverts only itself; anything else is dropped rather than trusted.
            Observe(ObservationKind.StaleIgnored, RoundEstimate);
            return;
        }

        if (record.Status == MembershipStatus.Leave)
        {
            View.Merge(record);
            return;
        }

        _pendingJoins.Add(record with { LastActiveRound = Math.Max(record.LastActiveRound, RoundEstimate) });
    }

    // JOINs apply at this node's next model send, so a newcomer never enters a sample that is
    // being computed at this moment.
    private void ApplyPendingJoins()
    {
        foreach (var record in _pendingJoins)
        {
            View.Merge(record);
            _maxLastActive = Math.Max(_maxLastActive, record.LastActiveRound);
        }

        _pendingJoins.Clear();
    }

    private void Advertise(MembershipStatus status)
    {
        var record = new PeerRecord(Self, RoundEstimate, MembershipIndex, status);
        foreach (var peer in RandomKnownPeers(_options.AdvertFanoutFactor * _options.SampleSize))
        {
            SendTo(peer, new Advert(record));
        }
    }

    // A uniform sample without replacement (partial Fisher-Yates over the known peers).
    private List<PeerId> RandomKnownPeers(int count)
    {
        var peers = View.Peers().Where(p => p != Self).ToArray();
        var take = Math.Min(count, peers.Length);
        for (var i = 0; i < take; i++)
        {
            var j = _random.Next(i, peers.Length);
            (peers[i], peers[j]) = (peers[j], peers[i]);
        }

        return [.. peers.Take(take)];
    }
}
