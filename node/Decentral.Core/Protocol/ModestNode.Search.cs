using Decentral.Identity;
using Decentral.Sampling;

namespace Decentral.Protocol;

/// <content>Liveness searches (ping the first candidates of an order) and send retries.</content>
public sealed partial class ModestNode
{
    private readonly Dictionary<long, (LivenessSearch Search, SearchPurpose Purpose)> _searches = [];
    private readonly Dictionary<long, (PeerId To, ProtocolMessage Message, int Attempt)> _retries = [];
    // Results of searches made ahead (SearchAhead) that finished before their send was ready.
    private readonly Dictionary<long, IReadOnlyList<PeerId>> _aggregatorsAhead = [];
    private readonly Dictionary<long, IReadOnlyList<PeerId>> _sampleAhead = [];
    // Aggregates a sample peer could not take, by the search for its replacement (each holds a view of its own).
    private readonly Dictionary<long, AggregatedModel> _replacing = [];
    private long _nextSearchId;
    private long _nextRetryId;

    private enum SearchPurpose
    {
        FindAggregators,
        FindSample,
        ReplaceTrainer,
        CheckTrainers,
        CheckAggregators,
    }

    /// <summary>Liveness searches under way (telemetry and tests).</summary>
    public int ActiveSearches => _searches.Count;

    // Candidates: round's order (default), or the given peers.
    private long StartSearch(long round, int count, SearchPurpose purpose, IReadOnlySet<PeerId>? exclude, IReadOnlyList<PeerId>? candidates = null)
    {
        var id = ++_nextSearchId;
        var threshold = _options.InactivityThreshold;
        var search = new LivenessSearch(id, round, count, Self, candidates ?? _order.Order(round, View),
            peer => (exclude is null || !exclude.Contains(peer)) && (peer == Self || View.IsActive(peer, round, threshold)),
            _options.PingAttempts);
        _searches[id] = (search, purpose);
        SendPings(search, search.Begin());
        ContinueSearch(search);
        return id;
    }

    // Uses a result found ahead, waits for a search under way, or starts the search now.
    private void SearchWhenReady(long round, int count, SearchPurpose purpose, Dictionary<long, IReadOnlyList<PeerId>> ahead, Action<long, IReadOnlyList<PeerId>> send)
    {
        if (ahead.Remove(round, out var found))
        {
            send(round, found);
        }
        else if (!_searches.Values.Any(s => s.Purpose == purpose && s.Search.Round == round))
        {
            StartSearch(round, count, purpose, exclude: null);
        }
    }

    private void SearchAnswered(PeerId from, Pong pong)
    {
        if (!_searches.TryGetValue(pong.Nonce, out var entry) || !entry.Search.Answered(from))
        {
            return;
        }

        if (entry.Purpose == SearchPurpose.CheckTrainers)
        {
            TrainerAnswered(pong.Nonce, from, pong);
        }

        MarkActive(from, entry.Search.Round);
        ContinueSearch(entry.Search);
    }

    private void SearchUnreachable(PeerId to, long nonce)
    {
        if (!_searches.TryGetValue(nonce, out var entry) || !entry.Search.IsWaitingFor(to))
        {
            return;
        }

        SendPings(entry.Search, entry.Search.Unreachable(to));
        ContinueSearch(entry.Search);
    }

    private void StopWaitingFor(PeerId peer)
    {
        foreach (var id in _searches.Keys.ToArray())
        {
            SearchUnreachable(peer, id);
        }
    }

    private void SearchTick(long id)
    {
        if (!_searches.TryGetValue(id, out var entry))
        {
            return;
        }

        SendPings(entry.Search, entry.Search.Tick());
        ContinueSearch(entry.Search);
    }

    private void SendPings(LivenessSearch search, List<PeerId> peers)
    {
        foreach (var peer in peers)
        {
            SendTo(peer, new Ping(search.Id, RoundEstimate, MembershipIndex));
        }
    }

    // Either finish (and hand the result to whoever asked) or wait one more resend interval.
    private void ContinueSearch(LivenessSearch search)
    {
        var key = new TimerKey(TimerKind.PingResend, search.Id);
        if (!search.IsComplete)
        {
            _effects.SetTimer(key, _options.PingResend);
            return;
        }

        _effects.CancelTimer(key);
        if (!_searches.Remove(search.Id, out var entry))
        {
            return;
        }

        var result = search.Result;
        switch (entry.Purpose)
        {
            case SearchPurpose.FindAggregators when _trainerSend is { } send && send.Round == search.Round:
                SendTrainedModel(search.Round, result);
                break;
            case SearchPurpose.FindAggregators:
                // Searched ahead: keep the result for when training of the round before finishes.
                if (_isTraining && _trainingRound + 1 == search.Round)
                {
                    _aggregatorsAhead[search.Round] = result;
                }

                break;
            case SearchPurpose.FindSample when _outgoing.ContainsKey(search.Round):
                SendAggregate(search.Round, result);
                break;
            case SearchPurpose.FindSample:
                // Searched ahead: keep the result while the round's models are still being collected.
                if (_collecting.ContainsKey(search.Round))
                {
                    _sampleAhead[search.Round] = result;
                }

                break;
            case SearchPurpose.CheckTrainers:
                TrainersChecked(search.Id, result);
                break;
            case SearchPurpose.CheckAggregators:
                AggregatorsChecked(search.Id, result);
                break;
            case SearchPurpose.ReplaceTrainer:
                if (_replacing.Remove(search.Id, out var aggregate))
                {
                    SendToReplacement(aggregate, result);
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown search purpose {entry.Purpose}.");
        }
    }

    // One retry entry per (receiver, message); a send that fails again re-arms the same entry, so
    // the attempt count survives. Entries of messages nobody wants any more are pruned here. An
    // entry holds a view of its own of a pooled model (the driver releases the failed message after
    // this returns), and each resend gets another one.
    private void ScheduleRetry(PeerId to, ProtocolMessage message)
    {
        long id = 0;
        foreach (var (key, pending) in _retries)
        {
            if (pending.To == to && SameSend(pending.Message, message))
            {
                id = key;
            }
        }

        foreach (var stale in _retries.Where(r => !StillWanted(r.Value.To, r.Value.Message)).Select(r => r.Key).ToArray())
        {
            RemoveRetry(stale);
        }

        if (!StillWanted(to, message))
        {
            return;
        }

        if (id == 0)
        {
            id = ++_nextRetryId;
            _retries[id] = (to, WithOwnView(message), 0);
        }

        _effects.SetTimer(new TimerKey(TimerKind.SendRetry, id), _options.SendRetry);
    }

    private void RetrySend(long id)
    {
        if (!_retries.TryGetValue(id, out var retry))
        {
            return;
        }

        if (!StillWanted(retry.To, retry.Message))
        {
            RemoveRetry(id);
            return;
        }

        // A receiver that left meanwhile (its LEAVE arrived) is given up at once, not after every retry.
        if (retry.Attempt >= _options.MaxSendRetries || HeldAsLeave(retry.To))
        {
            _retries.Remove(id);
            if (retry.Message is AggregatedModel aggregated)
            {
                // The retry's view of the aggregate goes to the peer that takes the place.
                ReplaceTrainer(retry.To, aggregated);
                return;
            }

            retry.Message.Release();
            if (retry.Message is TrainedModel && _trainerSend is { } send)
            {
                send.Awaiting.Remove(retry.To);
                FailOver(send, retry.To);
            }

            return;
        }

        _retries[id] = retry with { Attempt = retry.Attempt + 1 };
        _effects.Send(retry.To, WithOwnView(retry.Message));
    }

    private void RemoveRetry(long id)
    {
        if (_retries.Remove(id, out var retry))
        {
            retry.Message.Release();
        }
    }

    // The message with a view of its own of a pooled model; a heap model's message is itself.
    private static ProtocolMessage WithOwnView(ProtocolMessage message) => message switch
    {
        TrainedModel { Model.IsPooled: true } t => t with { Model = t.Model.Share() },
        AggregatedModel { Model.IsPooled: true } a => a with { Model = a.Model.Share() },
        _ => message,
    };

    // The same send: the same message, or (pooled) another view of the same model.
    private static bool SameSend(ProtocolMessage a, ProtocolMessage b) => ReferenceEquals(a, b) || (a, b) switch
    {
        (TrainedModel x, TrainedModel y) => x.Round == y.Round && x.Model.SharesBodyWith(y.Model),
        (AggregatedModel x, AggregatedModel y) => x.Round == y.Round && x.Model.SharesBodyWith(y.Model),
        _ => false,
    };

    private bool StillWanted(PeerId to, ProtocolMessage message) => message switch
    {
        TrainedModel t => _trainerSend is { } send && send.Round == t.Round && send.Awaiting.Contains(to),
        AggregatedModel a => a.Round >= TrainEstimate,
        _ => false,
    };

    // A graceful leave abandons everything in flight; timers that still fire find nothing to do.
    private void AbandonAll()
    {
        foreach (var id in _searches.Keys)
        {
            _effects.CancelTimer(new TimerKey(TimerKind.PingResend, id));
        }

        _searches.Clear();
        foreach (var id in _retries.Keys.ToArray())
        {
            RemoveRetry(id);
        }

        _aggregatorsAhead.Clear();
        _sampleAhead.Clear();
        foreach (var aggregate in _replacing.Values)
        {
            aggregate.Release();
        }

        _replacing.Clear();
        _samplesSent.Clear();
        foreach (var round in _collecting.Keys)
        {
            _effects.CancelTimer(new TimerKey(TimerKind.AggregationTimeout, round));
            _effects.CancelTimer(new TimerKey(TimerKind.TrainerCheck, round));
        }

        _trainerChecks.Clear();
        _aggregatorCheck = null;

        ReleaseModels();
        _collecting.Clear();
        foreach (var outgoing in _outgoing.Values)
        {
            outgoing.Model.Release();
        }

        _outgoing.Clear();
        CancelTrainerSend();
        DropPendingAggregates();
        if (_isTraining)
        {
            _effects.CancelTraining(_trainingRound);
            _isTraining = false;
        }

        DropSelfInbox();
    }
}
