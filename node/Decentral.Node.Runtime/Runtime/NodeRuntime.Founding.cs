using Decentral.Identity;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Membership;
using Decentral.Node.Runtime.Peers;
using Decentral.Node.Runtime.State;
using Decentral.Protocol;
using Decentral.Sampling;

namespace Decentral.Node.Runtime.Runtime;

/// <content>
/// Founding, joining, rejoining: whether this node starts the session's first round with the
/// members it heard of, joins a session that runs, or comes back from its checkpoint; and the
/// protocol node (MoDeST or a baseline) it runs.
/// </content>
public sealed partial class NodeRuntime
{
    // Found, join or rejoin, then watch that the session moves (founding:resumeAfter). A
    // checkpoint means rejoin at once. Otherwise gather announcements until either a member is
    // past round 2 (the session runs: join it) or at least founding:minPeers members are known
    // and none arrived for founding:settle (found it).
    private async Task FoundOrJoinAsync(CancellationToken cancellationToken)
    {
        try
        {
            var from = await EnterSessionAsync(cancellationToken).ConfigureAwait(false);
            if (from is { } round && IsModest && _options.Founding.ResumeAfter > TimeSpan.Zero)
            {
                await ResumeWatchAsync(round, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // Posts the found, join or rejoin; returns the round estimate it entered the session at (null: stopping first).
    private async Task<long?> EnterSessionAsync(CancellationToken cancellationToken)
    {
        if (_restored is { } checkpoint)
        {
            Post("rejoin", () => Rejoin(checkpoint));
            return checkpoint.RoundEstimate;
        }

        var needed = _options.Founding.MinPeers > 0 ? _options.Founding.MinPeers : _options.Protocol.SampleSize;
        var lastReport = _time.GetUtcNow();
        var known = new HashSet<PeerId>();
        var lastNewMember = lastReport;
        var pulls = new MemberPulls(_options.Founding.GatherAnnounceInterval * 3);
        Task pulling = Task.CompletedTask;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Rounds 1 and 2 are the founders' rounds (LastFoundingRound): a node that hears of a
            // founder in them founds too, at once, since a late founder does not answer the
            // round's pings and its trainers would fail over; only a session past round 2 runs.
            // Settling counts new members only: announcements that merely move a round
            // estimate must not hold a founder back.
            var members = _book!.Announcements().Where(a => a.Status == MembershipStatus.Join).ToList();
            if (members.Any(m => m.RoundEstimate > LastFoundingRound))
            {
                Post("join", () => JoinRunning());
                return members.Max(m => m.RoundEstimate);
            }

            // Gossip alone can miss a member: a founder's last gathering announcements may cross
            // the overlay before this node is in the relays' mesh, and a running member announces
            // only every network:announceInterval (a 4-node test stayed at "3 of 4 known" while
            // the other three ran rounds). So while it knows too few, a MoDeST node asks the
            // connected peers for their member lists too: a new connection at once, and every three
            // gathering announcements the one asked longest ago again. Only peers whose identify
            // lists the message protocol: a request to another libp2p peer fails, and a failed
            // stream drops the connection (a test client's, a diagnostic peer's) for a redial. Not
            // for a baseline: its founder's rounds run on a timer, so a list would show a co-founder
            // a session past round 2, which it would take for a running one and, as a newcomer a
            // baseline refuses, stop.
            var now = _time.GetUtcNow();
            if (IsModest && members.Count + 1 < needed && pulling.IsCompleted)
            {
                var speakers = _host!.Connections
                    .Where(c => !c.IsClosed && c.RemoteIdentify?.Protocols.Contains(ModelTransferProtocol.ProtocolId) == true)
                    .Select(c => c.RemotePeer);
                if (pulls.Due(speakers, now) is { Count: > 0 } due)
                {
                    pulling = PullMembersAsync(due, cancellationToken);
                }
            }

            foreach (var member in members)
            {
                if (known.Add(member.Peer))
                {
                    lastNewMember = now;
                }
            }

            var founderStarted = members.Any(m => m.RoundEstimate is >= 1 and <= LastFoundingRound);
            if (members.Count + 1 >= needed && (founderStarted || now - lastNewMember >= _options.Founding.Settle))
            {
                Post("found", () => Found());
                return 0;
            }

            if (now - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = now;
                Log.Gathering(_logger, members.Count + 1, needed);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private async Task PullMembersAsync(IReadOnlyList<PeerId> peers, CancellationToken cancellationToken)
    {
        List<MemberAnnouncement>?[] lists;
        try
        {
            lists = await Task.WhenAll(peers.Select(p => _transport!.RequestMembersAsync(p, cancellationToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        foreach (var member in lists.Where(l => l is not null).SelectMany(l => l!))
        {
            _book!.AddAnnouncement(member);
        }
    }

    // Rounds 1 and 2 are the founders' rounds. A founder that settled a moment earlier than the
    // others says 1, and 2 as soon as its own round-1 training is done when it is round 2's
    // aggregator (milliseconds for softmax): a node that hears either founds and trains its share
    // of round 1. Taking 2 for a running session made the later founders joiners, which never
    // train round 1, so round 2 never got minModels models and the session stalled. Only a member
    // past round 2 shows that a round was aggregated, which needs founders that trained: that
    // session runs and takes joiners.
    internal const long LastFoundingRound = 2;

    private void Post(string name, Action action) => _loop.Post(new LoopAction(name, action));

    // The algorithm of node:algorithm, built as the simulator builds it. Baselines with a fixed
    // membership (FedAvg's server and clients, D-PSGD's graph, the gossip and epidemic peers)
    // take the founders in one order every founder computes alike: by announced slot, then id.
    private IProtocolNode CreateNode(MembershipView view, IReadOnlyList<PeerId> founders)
    {
        _founders = founders;
        var context = new NodeContext(Slot, _identity!.PeerId, founders, founders.Count, view, new ViewRoundOrder(), new Effects(this), new Random(NodeSeed()));
        return ProtocolFactory.Create(_options.Node.Algorithm, _options.Protocol, _options.Baselines, context);
    }

    private bool IsModest => _options.Node.Algorithm == "modest";

    private List<PeerId> FoundersOf(MembershipView view) =>
        [.. view.Records()
            .Where(r => r.Status == MembershipStatus.Join)
            .Select(r => r.Peer)
            .OrderBy(p => p == _identity!.PeerId ? Slot : _book!.SlotOf(p) is var slot and >= 0 ? slot : int.MaxValue)
            .ThenBy(p => p)];

    // Founders share one initial model (from the run seed) and the members each has heard of.
    private void Found()
    {
        var view = ViewOfAnnouncements(includeSelf: true);
        _node = CreateNode(view, IsModest ? [] : FoundersOf(view));
        var model = InitialModel();
        _latestModel = model;
        SetRunning();
        Log.Founding(_logger, view.Count, string.Join(", ", view.Peers().Take(8)));
        _node.Start(model);
        DeliverEarlyMessages();

        // At once, not at the first round this node takes part in: one that dies before it is
        // sampled must still come back as a member (rejoin), not as a stranger gathering founders.
        RequestCheckpoint();
    }

    // The model every founder starts from, seeded by the run seed.
    private Learning.ModelVector InitialModel()
    {
        var initial = new float[_learning!.Task.ParameterCount];
        _learning.Task.InitialParameters(_options.Learning.Partition.Seed, initial);
        return new Learning.ModelVector(_learning.Task.LayoutId, initial);
    }

    private void JoinRunning()
    {
        if (!IsModest)
        {
            // A baseline's topology is fixed among its founders; a newcomer has no place in it.
            throw new NodeStoppedException(
                $"node:algorithm '{_options.Node.Algorithm}' admits no newcomers and the session already runs: start this node together with the founders, or run modest");
        }

        var view = ViewOfAnnouncements(includeSelf: false);
        _node = CreateNode(view, []);
        SetRunning();
        Log.Joining(_logger, view.Records().Select(r => r.LastActiveRound).DefaultIfEmpty(0).Max(), view.Count);
        _node.Join();
        DeliverEarlyMessages();
        RequestCheckpoint();
    }

    // Back from a checkpoint: the stored view, refreshed with what announcements say now; the
    // core's Join bumps the membership index past the stored one, so this JOIN wins everywhere.
    private void Rejoin(Checkpoint checkpoint)
    {
        var view = new MembershipView();
        foreach (var record in checkpoint.View)
        {
            view.Merge(record);
        }

        foreach (var record in ViewOfAnnouncements(includeSelf: false).Records())
        {
            view.Merge(record);
        }

        _node = CreateNode(view, IsModest ? [] : checkpoint.Founders.Count > 0 ? checkpoint.Founders : FoundersOf(view));
        if (checkpoint.Reference is { } reference && _node is ModestNode modest)
        {
            modest.RestoreReference(reference);
        }

        if (checkpoint.Model is { } model)
        {
            _latestModel = model;
            _latestModelRound = checkpoint.ModelRound;
        }

        SetRunning();
        Log.Rejoining(_logger, checkpoint.SavedAt, checkpoint.RoundEstimate, checkpoint.MembershipIndex, checkpoint.View.Count);
        _node.Join();
        DeliverEarlyMessages();
        RequestCheckpoint();
    }

    // A running MoDeST node watches whether the session moves: its own round estimate (models and
    // view updates it receives) and the members' announced ones. A running session moves within
    // an announce interval; one that nobody holds a round of never does: its members all came
    // back from checkpoints at once, or every node that held the round died with it (the sample
    // killed together after the aggregate reached it and its trainers were acked). Then the node
    // resumes it at the next round (the core trains the node's latest model if it is sampled).
    // It keeps watching: a resumed round whose sample is all gone changes nothing, so the
    // following check resumes the round after.
    private async Task ResumeWatchAsync(long enteredAt, CancellationToken cancellationToken)
    {
        var last = Math.Max(enteredAt, Progress());
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.Founding.ResumeAfter, _time, cancellationToken).ConfigureAwait(false);
            var now = Progress();
            if (now > last)
            {
                last = now;
                continue;
            }

            // Past the round resumed last time, which changed nothing.
            var round = Math.Max(now, last) + 1;
            Post("resume", () => Resume(round));
            last = round;
        }
    }

    private long Progress() =>
        Math.Max(Interlocked.Read(ref _roundEstimate), _book!.Announcements().Select(a => a.RoundEstimate).DefaultIfEmpty(0).Max());

    private void Resume(long round)
    {
        if (_node is not ModestNode modest || Phase != NodePhase.Running || _leaving)
        {
            return;
        }

        // With the reference defence, the model it judged itself: the latest arrival may be an aggregate it refused.
        var trains = modest.Resume(modest.Reference ?? _latestModel ?? InitialModel(), round);
        Log.Resuming(_logger, _options.Founding.ResumeAfter, round - 1, round, trains ? "is sampled and trains the latest model it holds" : "is not sampled for it");
    }

    private MembershipView ViewOfAnnouncements(bool includeSelf)
    {
        var view = new MembershipView();
        foreach (var a in _book!.Announcements())
        {
            view.Merge(new PeerRecord(a.Peer, a.RoundEstimate, a.MembershipIndex, a.Status));
        }

        if (includeSelf)
        {
            view.Merge(new PeerRecord(_identity!.PeerId, 0, 1, MembershipStatus.Join));
        }

        return view;
    }

    private void SetRunning()
    {
        Phase = NodePhase.Running;
        PhaseChanged?.Invoke(Phase);
        PublishAnnouncement(MembershipStatus.Join);
    }
}
