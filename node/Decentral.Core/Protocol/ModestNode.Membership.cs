using Decentral.Identity;
using Decentral.Membership;

namespace Decentral.Protocol;

/// <content>Membership: view updates piggybacked on model messages, adverts, pending JOINs.</content>
public sealed partial class ModestNode
{
    /// <summary>
    /// Builds the view update for <paramref name="to"/>: the records that changed since what the
    /// receiver is known to have. That is the latest of (a) what this node last sent it (or, after
    /// a merge that left both with the same membership, what it last received from it), (b) the
    /// round the receiver was last active in (it received a sample's update then), and (c) the
    /// start of the activity window (round estimate − T): older records describe inactive peers,
    /// which nobody samples. Membership differences that slip through are caught by the digest.
    /// </summary>
    internal ViewUpdate BuildUpdate(PeerId to)
    {
        TouchSelf();
        var windowStart = RoundEstimate - _options.InactivityThreshold;
        var since = VersionAtRound(windowStart);
        if (_sentVersion.TryGetValue(to, out var sent))
        {
            since = Math.Max(since, sent);
        }

        _sentVersion[to] = View.Version;
        TrimCheckpoints(windowStart);
        return new ViewUpdate(View.ChangedSince(since), View.Digest, IsFull: false);
    }

    // The view version when this node's round estimate first reached round: changes after it
    // happened at that round or later. 0 when the round precedes this node's history.
    private long VersionAtRound(long round)
    {
        var index = _checkpoints.FindIndex(c => c.Round >= round);
        return index <= 0 ? 0 : _checkpoints[index].Version;
    }

    // Checkpoints before the window are no longer asked for; keep one predecessor so the first
    // round of the window still resolves to its own version.
    private void TrimCheckpoints(long windowStart)
    {
        var index = _checkpoints.FindIndex(c => c.Round >= windowStart);
        if (index > 1)
        {
            _checkpoints.RemoveRange(0, index - 1);
        }
    }

    private void MergeUpdate(PeerId from, ViewUpdate update)
    {
        foreach (var record in update.Records)
        {
            if (record.Peer == Self)
            {
                DefendOwnRecord(record);
                continue;
            }

            MergeRecord(record);
        }

        if (update.MembershipDigest == View.Digest)
        {
            // Same membership after the merge: treat the sender as up to date with this view, so
            // the next update to it does not echo back what it just sent (last-active rounds are
            // soft state; the next deltas carry newer ones).
            _sentVersion[from] = View.Version;
        }
        else if (!update.IsFull)
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
            if (IsRunning && _options.ViewCheckInterval > TimeSpan.Zero)
            {
                // Held as LEAVE, this peer is sampled by nobody, so the new index must be told.
                Advertise(MembershipStatus.Join);
            }
        }
    }

    // A peer this view holds as LEAVE just sent something, so it is alive: its own view check
    // cannot see it when others still sample it (this view alone marked it, e.g. after its pings
    // timed out here). Tell it once per index: its core takes a higher index and adverts JOIN.
    private void TellIfHeldAsLeave(PeerId from)
    {
        if (!View.TryGet(from, out var held) || held.Status != MembershipStatus.Leave
            || (_toldLeave.TryGetValue(from, out var told) && told >= held.MembershipIndex))
        {
            return;
        }

        _toldLeave[from] = held.MembershipIndex;
        SendTo(from, new ViewSnapshot(new ViewUpdate([held], View.Digest, IsFull: false)));
    }

    private bool HeldAsLeave(PeerId peer) => peer != Self && View.TryGet(peer, out var held) && held.Status == MembershipStatus.Leave;

    private void ArmViewCheck()
    {
        if (_options.ViewCheckInterval > TimeSpan.Zero)
        {
            _effects.SetTimer(new TimerKey(TimerKind.ViewCheck, 0), _options.ViewCheckInterval);
        }
    }

    // A peer that nobody samples hears nothing, so its round estimate stands still: that is also
    // how a peer looks that the others hold as LEAVE. It asks; a healthy peer's view matches.
    private void ViewCheckTick()
    {
        var round = RoundEstimate;
        if (round == _viewCheckRound)
        {
            AskForView();
        }

        _viewCheckRound = round;
        ArmViewCheck();
    }

    // One view request to a random member this view holds as JOIN; the reply comes only when the
    // digests differ, and names this peer's record as the member holds it.
    private void AskForView()
    {
        var members = View.Records().Where(r => r.Peer != Self && r.Status == MembershipStatus.Join).ToArray();
        if (members.Length == 0)
        {
            return;
        }

        Observe(ObservationKind.ViewResync, RoundEstimate);
        SendTo(members[_random.Next(members.Length)].Peer, new ViewRequest(View.Digest));
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
        MergeRecord(probe);
    }

    private void MarkActive(PeerId peer, long round)
    {
        var active = Math.Max(round, RoundEstimate);
        MergeRecord(View.TryGet(peer, out var r) ? r with { LastActiveRound = active } : new PeerRecord(peer, active, 0, MembershipStatus.Join));
    }

    private void TouchSelf()
    {
        MergeRecord(new PeerRecord(Self, RoundEstimate, MembershipIndex, MembershipStatus.Join));
    }

    // Every change of the view goes through here. Invariant kept for BuildUpdate: a record whose
    // last-active round is L changed after the version of the first checkpoint with round >= L,
    // because a checkpoint (L, version before the change) is added first when none reaches L.
    private void MergeRecord(in PeerRecord record)
    {
        if (_checkpoints.Count == 0 || _checkpoints[^1].Round < record.LastActiveRound)
        {
            _checkpoints.Add((record.LastActiveRound, View.Version));
        }

        if (View.Merge(record))
        {
            _maxLastActive = Math.Max(_maxLastActive, record.LastActiveRound);
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
            MergeRecord(record);
            if (HeldAsLeave(record.Peer))
            {
                // A search waiting for its answer moves on to the next candidate now.
                StopWaitingFor(record.Peer);
            }

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
            MergeRecord(record);
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
