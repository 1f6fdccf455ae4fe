using System.Buffers;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Membership;
using Decentral.Node.Runtime.Peers;
using Decentral.Node.Runtime.State;
using Decentral.Protocol;
using Decentral.Sampling;
using MessagePack;
using Polly;
using Polly.Retry;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>What a message on the session's gossip topic carries.</summary>
internal enum GossipKind
{
    /// <summary>A <see cref="MemberAnnouncement"/>: a signed peer record plus membership state.</summary>
    Announcement = 1,

    /// <summary>A JOIN or LEAVE advert of the protocol core, in the wire codec.</summary>
    Advert = 2,
}

/// <content>
/// Membership on the network: the session's gossip topic (signed announcements, the core's
/// JOIN/LEAVE adverts), bootstrap with retries, the overlay's connections, and the decision to
/// found, join or rejoin the session.
/// </content>
public sealed partial class NodeRuntime
{

    // The overlay carries what every member should hear: announcements and adverts.
    private void PublishGossip(GossipKind kind, ReadOnlySpan<byte> payload)
    {
        var output = new ArrayBufferWriter<byte>(payload.Length + 16);
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(2);
        writer.Write((int)kind);
        writer.WriteRaw(payload);
        writer.Flush();
        _gossip!.Publish(Topic, output.WrittenSpan.ToArray());
    }

    private MemberAnnouncement OwnAnnouncement(MembershipStatus status) =>
        new(_host!.LocalRecord, Interlocked.Read(ref _membershipIndex), status, Interlocked.Read(ref _roundEstimate), Slot);

    private void PublishAnnouncement(MembershipStatus status)
    {
        if (_gossip is null || _host is null)
        {
            return;
        }

        var output = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(output);
        OwnAnnouncement(status).Write(ref writer);
        writer.Flush();
        PublishGossip(GossipKind.Announcement, output.WrittenSpan);
    }

    private IReadOnlyCollection<MemberAnnouncement> OwnAndKnownMembers() =>
        [OwnAnnouncement(_leaving ? MembershipStatus.Leave : MembershipStatus.Join), .. _book!.Announcements()];

    private async Task ReadGossipAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var delivery in _gossip!.Messages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (delivery.Topic == Topic)
                {
                    OnGossip(delivery.Author, delivery.Data);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void OnGossip(PeerId author, byte[] data)
    {
        string? problem;
        try
        {
            var reader = new MessagePackReader(data);
            if (reader.ReadArrayHeader() != 2)
            {
                problem = "not a session message";
            }
            else
            {
                problem = reader.ReadInt32() switch
                {
                    (int)GossipKind.Announcement => OnAnnouncementMessage(author, ref reader),
                    (int)GossipKind.Advert => OnAdvertMessage(author, data.AsMemory((int)reader.Consumed)),
                    var kind => $"unknown session message kind {kind}",
                };
            }
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            problem = $"malformed: {e.Message}";
        }

        if (problem is null)
        {
            return;
        }

        if (_gossipWarnings!.IsDue("dropped", out var suppressed))
        {
            Log.GossipDropped(_logger, author, problem, suppressed);
        }
        else
        {
            // Anyone may publish on the topic, as fast as the gossip layer lets it: one warning per interval.
            Log.GossipDroppedQuietly(_logger, author, problem);
        }
    }

    private string? OnAnnouncementMessage(PeerId author, ref MessagePackReader reader)
    {
        if (!MemberAnnouncement.TryRead(ref reader, out var announcement, out var reason))
        {
            return reason;
        }

        if (announcement.Peer != author)
        {
            return $"an announcement of {announcement.Peer} published by {author}";
        }

        _book!.AddAnnouncement(announcement);
        return null;
    }

    private string? OnAdvertMessage(PeerId author, ReadOnlyMemory<byte> wire)
    {
        var decoded = _codec.Decode(wire);
        if (!decoded.Ok || decoded.Message is not Advert advert)
        {
            if (!decoded.Ok)
            {
                _meter.Rejected("gossip", decoded.Error);
            }

            return decoded.Ok ? $"a {decoded.Message!.Kind} on the session topic" : $"advert rejected: {decoded.Error} {decoded.Detail}";
        }

        if (Phase == NodePhase.Running)
        {
            _loop.TryPostNetwork(new MessageArrived(author, advert, _time.GetTimestamp()));
        }

        return null;
    }

    // A peer announced itself (new, restarted or leaving): a running core that does not know the peer at that membership index hears it as an advert, so a
    // member that missed a JOIN advert still learns of every peer within one announce interval.
    private void OnAnnounced(MemberAnnouncement announcement)
    {
        _loop.Post(new LoopAction("announced", () =>
        {
            if (_node is null || Phase != NodePhase.Running)
            {
                return;
            }

            var known = _node.View.TryGet(announcement.Peer, out var record);
            if (!known || record.MembershipIndex < announcement.MembershipIndex
                || (record.MembershipIndex == announcement.MembershipIndex && record.Status != announcement.Status && announcement.Status == MembershipStatus.Leave))
            {
                _node.Receive(announcement.Peer, new Advert(new PeerRecord(announcement.Peer, announcement.RoundEstimate, announcement.MembershipIndex, announcement.Status)));
            }
        }));
    }

    private async Task AnnounceLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!_leaving)
                {
                    PublishAnnouncement(MembershipStatus.Join);
                }

                var interval = Phase == NodePhase.Gathering ? _options.Founding.GatherAnnounceInterval : _options.Network.AnnounceInterval;
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // Keeps connections to up to network:overlayPeers members, so the gossip overlay is a mesh,
    // not a star around the bootstrap peer, and reconnects after a partition heals. A member
    // whose dial failed waits before the next (RedialBackoff, up to network:overlayRedialMax); one
    // that announced its LEAVE is not dialled until it announces JOIN again.
    private async Task OverlayLoopAsync(CancellationToken cancellationToken)
    {
        var random = new Random(NodeSeed() ^ 0x5EED);
        var backoff = new RedialBackoff(_options.Network.OverlayRedialMax, random);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var connected = _host!.Connections.Select(c => c.RemotePeer).ToHashSet();
                var dialable = _book!.OverlayCandidates();
                backoff.Keep(connected, dialable);
                var missing = _options.Network.OverlayPeers - connected.Count;
                if (missing > 0)
                {
                    var now = _time.GetUtcNow();
                    var candidates = dialable.Where(p => !connected.Contains(p) && backoff.MayDial(p, now)).ToArray();
                    random.Shuffle(candidates);
                    foreach (var peer in candidates.Take(missing))
                    {
                        var outcome = await _connector!.ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
                        var result = outcome.Ok ? "connected" : $"{outcome.Status}: {outcome.Reason}; next dial in {backoff.Failed(peer, _time.GetUtcNow()).TotalSeconds:0.#} s or when it connects";
                        Log.OverlayDial(_logger, peer, result);
                    }
                }

                await Task.Delay(RedialBackoff.First, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // Dials a bootstrap peer until it answers, with jittered exponential backoff (a Polly retry
    // on the node's clock, logging every failure), then asks it for the members it knows. The
    // node never gives up while it has no connection at all: a bootstrap peer that is down is
    // retried forever, and one that disappears later is dialled again when the node is isolated.
    private async Task BootstrapLoopAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        var peer = address.PeerId!;
        var retry = new ResiliencePipelineBuilder<bool> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = new PredicateBuilder<bool>().HandleResult(connected => !connected),
                MaxRetryAttempts = int.MaxValue,
                Delay = _options.Network.BootstrapRetryDelay,
                MaxDelay = _options.Network.BootstrapRetryMax,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    Log.BootstrapFailed(_logger, address.ToString(), args.AttemptNumber + 1, args.RetryDelay, _lastBootstrapError ?? "?");
                    return default;
                },
            })
            .Build();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await retry.ExecuteAsync(async ct =>
                {
                    var outcome = await _connector!.ConnectAsync(peer, ct).ConfigureAwait(false);
                    _lastBootstrapError = outcome.Reason;
                    return outcome.Ok;
                }, cancellationToken).ConfigureAwait(false);
                Log.BootstrapConnected(_logger, address.ToString());
                if (await _transport!.RequestMembersAsync(peer, cancellationToken).ConfigureAwait(false) is { } members)
                {
                    foreach (var member in members)
                    {
                        _book!.AddAnnouncement(member);
                    }
                }

                // Connected: check now and then whether the node became isolated.
                while (!cancellationToken.IsCancellationRequested && _host!.Connections.Count > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private string? _lastBootstrapError;
    private string[] _members = [];
    private int _reportedMembers;

    private async Task StatusLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_options.Node.StatusInterval, _time, cancellationToken).ConfigureAwait(false);

                // Bounded by the stop: a look posted as the stop cancels the event loop is never
                // run, and the shutdown waits for this task (2 of 200 nodes of the cold start
                // benchmark never exited after SIGTERM; this wait had no bound).
                var (members, count) = await InspectAsync(n => n is null
                    ? ([], 0)
                    : (n.View.Records().Where(r => r.Status == MembershipStatus.Join).Take(1000).Select(r => r.Peer.ToString()).ToArray(),
                       n.View.Records().Count(r => r.Status == MembershipStatus.Join))).WaitAsync(cancellationToken).ConfigureAwait(false);
                _members = members;
                if (count != _reportedMembers && _node is not null)
                {
                    _reportedMembers = count;
                    Log.ViewMembers(_logger, count);
                }

                WriteStatus("running");
                _peers?.Save(_book!);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
