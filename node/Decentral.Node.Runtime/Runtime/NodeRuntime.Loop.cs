using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Node.Runtime.State;
using Decentral.Node.Runtime.Transport;
using Decentral.Protocol;
using Decentral.Telemetry;

namespace Decentral.Node.Runtime.Runtime;

/// <content>The event loop: events into the protocol core, effects out of it.</content>
public sealed partial class NodeRuntime
{
    private readonly EventLoop _loop;
    private readonly RoundClock _clock;
    private IProtocolNode? _node;
    private IReadOnlyList<PeerId> _founders = [];
    private long _observedRound;
    private TimerTable? _timers;
    private TrainingWorker? _training;
    private volatile bool _leaving;
    private bool _trainedOnce;
    private double _lastLoss = double.NaN;
    private long _roundEstimate;
    private long _membershipIndex = 1;
    private int _viewSize;
    private ModelVector? _latestModel;
    private long _latestModelRound;
    private Advert? _lastPublishedAdvert;
    private readonly Queue<MessageArrived> _early = new();
    private const int MaxEarlyMessages = 256;
    private readonly AckHold _acks = new(maxRounds: 64);

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _loop.RunAsync(Handle, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void Handle(NodeEvent e)
    {
        if (e is MessageArrived message)
        {
            _clock.BeginEvent(message.Message.Kind, message.ArrivedAt);
        }
        else
        {
            _clock.BeginEvent();
        }

        try
        {
            switch (e)
            {
                case MessageArrived early when _node is null:
                    // A founder that started a moment before this node: keep its messages (a
                    // bounded few) for the core this node is about to start.
                    if (_early.Count < MaxEarlyMessages)
                    {
                        _early.Enqueue(early);
                    }

                    break;
                case MessageArrived arrived:
                    if (arrived.Message is AggregatedModel { Model.IsDelta: false } aggregated && aggregated.Round >= _latestModelRound)
                    {
                        // A copy: the core releases the message's pooled buffers once it is done with them.
                        _latestModel = aggregated.Model.DecodeWhole();
                        _latestModelRound = aggregated.Round;
                    }

                    _node.Receive(arrived.From, arrived.Message);
                    break;
                case TimerElapsed timer when _node is not null && _timers!.TryTake(timer.Key, timer.Generation):
                    _node.TimerFired(timer.Key);
                    break;
                case TrainingFinished trained when _node is not null && _training!.TryComplete(trained.Job):
                    _lastLoss = trained.Loss;
                    if (trained.Round + 1 >= _latestModelRound)
                    {
                        _latestModel = trained.Model;
                        _latestModelRound = trained.Round + 1;
                    }

                    _clock.TrainingFinished(trained.Round, trained.StartedAt, trained.FinishedAt);
                    _node.TrainingCompleted(trained.Round, trained.Model, trained.Samples);
                    RequestCheckpoint();
                    break;
                case DeliveryFailed failed when _node is not null:
                    // The core takes a view of its own if it retries; this one is done.
                    _node.SendFailed(failed.To, failed.Message);
                    failed.Message.Release();
                    break;
                case DeliveryFailed dropped:
                    dropped.Message.Release();
                    break;
                case LoopAction action:
                    action.Action();
                    break;
                default:
                    // An event for a core that is not running yet (or stale timers and training): dropped.
                    break;
            }

            foreach (var (to, ack) in _acks.EndEvent(_options.Protocol.MinModels))
            {
                Enqueue(to, ack);
            }
        }
        catch (NodeStoppedException stopped)
        {
            Log.NodeStopped(_logger, stopped.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in the core or a handler: the node cannot go on in a state it does not know.
            Log.CoreFailed(_logger, ex, e.GetType().Name);
            throw;
        }

        _clock.EndEvent();
        if (_node is not null)
        {
            Interlocked.Exchange(ref _roundEstimate, RoundOf(_node));
            var index = MembershipIndexOf(_node);
            var before = Interlocked.Exchange(ref _membershipIndex, index);
            if (index != before && Phase == NodePhase.Running && !_leaving)
            {
                // The others learn the new index from this announcement at once, not one announce
                // interval later; and a restart from the checkpoint must not come back below it.
                Log.MembershipIndexChanged(_logger, before, index);
                PublishAnnouncement(MembershipStatus.Join);
                RequestCheckpoint();
            }

            Volatile.Write(ref _viewSize, _node.View.Count);
        }

        MaybeWriteCheckpoint();
    }

    // The receiver's hand-off: refused when the inbox is full, or by RefusesAsLeaving.
    private string? OnReceived(InboundMessage message)
    {
        if (RefusesAsLeaving(Phase, _leaving, message.Message))
        {
            return MessageTransport.LeavingReason;
        }

        if (_loop.TryPostNetwork(new MessageArrived(message.From, message.Message, _time.GetTimestamp())))
        {
            return null;
        }

        Log.InboxFull(_logger, message.Message.Kind.ToString(), message.From);
        return "busy: the protocol's inbox is full";
    }

    /// <summary>
    /// True when the receiver refuses <paramref name="message"/> as leaving: before the node runs
    /// or gathers, after it stopped, and once it left, except for the model messages and Acks its
    /// core still acts on during the last flush (a left <c>ModestNode</c> passes an aggregate on,
    /// Nacks a trained model, and sends its own model on when Nacked).
    /// </summary>
    internal static bool RefusesAsLeaving(NodePhase phase, bool leaving, ProtocolMessage message) =>
        phase is not (NodePhase.Running or NodePhase.Gathering) || (leaving && message is not (TrainedModel or AggregatedModel or Ack));

    private void OnSent(PeerId to, ProtocolMessage message, long bytes, SendOutcome outcome)
    {
        if (outcome.Ok)
        {
            _telemetry?.Sent(message, bytes, Volatile.Read(ref _viewSize));
            if (message is AggregatedModel aggregated)
            {
                _loop.Post(new LoopAction("aggregate delivered", () =>
                {
                    foreach (var (peer, ack) in _acks.Delivered(aggregated.Round))
                    {
                        Enqueue(peer, ack);
                    }
                }));
            }

            // Delivered: the core keeps no view of it, so a pooled body can go back.
            message.Release();
            return;
        }

        if (MessageTransport.RefusedAsLeaving(outcome))
        {
            Log.SendRefusedByLeaver(_logger, message.Kind.ToString(), to);
        }
        else if (outcome.Status != SendStatus.Faulted)
        {
            // A faulted send was logged at Error level with its exception where it threw (SendFaulted).
            Log.SendFailed(_logger, message.Kind.ToString(), to, outcome.Status, outcome.Reason ?? string.Empty);
        }

        _loop.Post(new DeliveryFailed(to, message));
    }

    /// <summary>Tests: outgoing messages this returns true for are lost, as when the process dies before they leave (the core never learns).</summary>
    internal Func<PeerId, ProtocolMessage, bool>? DropOutgoing { get; set; }

    private void Enqueue(PeerId to, ProtocolMessage message)
    {
        if (DropOutgoing?.Invoke(to, message) == true)
        {
            message.Release();
            return;
        }

        if (!_transport!.Enqueue(to, message))
        {
            Log.SendFailed(_logger, message.Kind.ToString(), to, SendStatus.QueueFull, "the peer's queue is full or the node stops");
            _loop.Post(new DeliveryFailed(to, message));
        }
    }

    // Signed records of the peers a message's view update names, so the receiver can dial them.
    private IReadOnlyList<ReadOnlyMemory<byte>> RecordsFor(ProtocolMessage message)
    {
        var view = message switch
        {
            TrainedModel t => t.View,
            AggregatedModel a => a.View,
            ViewSnapshot s => s.View,
            _ => null,
        };
        if (view is null || view.Records.Count == 0 || _options.Network.MaxAttachedRecords == 0)
        {
            return [];
        }

        var records = new List<ReadOnlyMemory<byte>>();
        foreach (var record in view.Records)
        {
            if (records.Count >= _options.Network.MaxAttachedRecords)
            {
                break;
            }

            if (record.Peer == _identity!.PeerId)
            {
                records.Add(_host!.LocalRecord.Envelope.Encoded);
            }
            else if (_book!.RecordOf(record.Peer) is { } known)
            {
                records.Add(known.Envelope.Encoded);
            }
        }

        return records;
    }

    // Effects of the core (called on the loop, while the core handles an event). Every message
    // sent is released once the transport is done with it: delivered (OnSent), or failed and
    // handed back to the core (DeliveryFailed), or dropped.
    private sealed class Effects(NodeRuntime runtime) : IProtocolEffects
    {
        public bool ReleasesSentModels => true;

        public void Send(PeerId to, ProtocolMessage message)
        {
            if (message is Advert advert)
            {
                runtime.PublishAdvert(advert);
                return;
            }

            if (message is AggregatedModel aggregated)
            {
                runtime._telemetry!.AggregateSent(aggregated.Round, runtime._book!.SlotOf(to));
                runtime._acks.AggregateSending(aggregated.Round);
            }

            if (message is AggregatedModel or TrainedModel)
            {
                runtime._clock.ModelSending(aggregate: message is AggregatedModel);
            }

            if (!runtime._acks.TryDefer(to, message))
            {
                runtime.Enqueue(to, message);
            }
        }

        public void StartTraining(long round, ModelVector start)
        {
            runtime._clock.TrainingStarted(round);
            runtime._training!.Start(round, start);
        }

        public void CancelTraining(long round) => runtime._training!.Cancel(round);

        // The aggregation timer is set at a round's first trained model and cancelled when the
        // round is aggregated or dropped: the round clock reads the collection's span from it.
        public void SetTimer(TimerKey key, TimeSpan delay)
        {
            if (key.Kind == TimerKind.AggregationTimeout)
            {
                runtime._clock.CollectionStarted(key.Id);
            }

            runtime._timers!.Set(key, delay);
        }

        public void CancelTimer(TimerKey key)
        {
            if (key.Kind == TimerKind.AggregationTimeout)
            {
                runtime._clock.CollectionEnded(key.Id);
            }

            runtime._timers!.Cancel(key);
        }

        public void Observe(ProtocolObservation observation) => runtime.OnObservation(observation);
    }

    // MoDeST keeps a round estimate and a membership index; a baseline's round is the latest it averaged.
    private long RoundOf(IProtocolNode node) => node is ModestNode modest ? modest.RoundEstimate : _observedRound;

    private static long MembershipIndexOf(IProtocolNode node) => node is ModestNode modest ? modest.MembershipIndex : 1;

    private void PublishAdvert(Advert advert)
    {
        // The core sends one advert to many peers in one event; the overlay carries it to all at once.
        if (advert == _lastPublishedAdvert)
        {
            return;
        }

        _lastPublishedAdvert = advert;
        using var wire = new Wire.PooledBufferWriter();
        _codec.Encode(advert, wire);
        PublishGossip(GossipKind.Advert, wire.WrittenSpan.ToArray());
    }

    // Messages that arrived while the node gathered members reach the core right after it starts.
    private void DeliverEarlyMessages()
    {
        while (_node is not null && _early.TryDequeue(out var early))
        {
            _node.Receive(early.From, early.Message);
        }
    }
}
