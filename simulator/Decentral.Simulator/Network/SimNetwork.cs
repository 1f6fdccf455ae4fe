using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Network;

/// <summary>
/// The simulated network between nodes 0..N-1: one-way latency per message, per-node upload
/// and download bandwidth shared between concurrent transfers, optional random loss, online
/// state and partitions. Node state is kept in flat arrays (about 90 bytes per node); messages
/// in flight live in a pooled slot array, so a send allocates nothing in steady state.
/// </summary>
/// <remarks>
/// A message's life: <see cref="Send"/> checks the sender is online (else
/// <see cref="SendStatus.SenderOffline"/>, nothing happens). A receiver that is offline is found
/// out one round trip later (a failed connect); a receiver in another partition group one
/// one-way delay later. Otherwise the bytes are transferred (messages of at least
/// <see cref="NetworkOptions.BandwidthThresholdBytes"/> through the bandwidth model, smaller
/// ones instantly) and the message arrives one one-way delay after the transfer ends. On arrival
/// it is dropped if it was chosen for loss at send time, if the receiver went offline, or if a
/// partition now separates the two. The handler hears exactly one of OnDelivered / OnFailed
/// for every accepted send, always from an event (never inside the call that caused it).
/// </remarks>
public sealed partial class SimNetwork
{
    private const int None = -1;

    private readonly Simulation _simulation;
    private readonly ILatencyModel _latency;
    private readonly Random _lossRandom;
    private readonly double _lossProbability;
    private readonly long _threshold;

    private readonly bool[] _online;
    private readonly int[] _group;

    private MessageSlot[] _slots;
    private int _slotHigh;
    private int _freeSlot = None;
    private long _nextMessageId;

    private readonly DeliveryEvents _deliveryEvents;
    private readonly FailureEvents _failureEvents;

    /// <summary>Creates a network over <paramref name="simulation"/>.</summary>
    public SimNetwork(Simulation simulation, ILatencyModel latency, NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(latency);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _simulation = simulation;
        _latency = latency;
        _lossProbability = options.LossProbability;
        _lossRandom = new Random(options.Seed);
        _threshold = options.BandwidthThresholdBytes;
        _slots = new MessageSlot[options.InitialMessageCapacity];
        NodeCount = options.NodeCount;
        _online = new bool[NodeCount];
        Array.Fill(_online, options.NodesStartOnline);
        _group = new int[NodeCount];
        Counters = new TrafficCounters(NodeCount);
        _deliveryEvents = new DeliveryEvents(this);
        _failureEvents = new FailureEvents(this);
        _transferEvents = new TransferEvents(this);
        InitBandwidth(options);
    }

    /// <summary>Number of node indexes.</summary>
    public int NodeCount { get; }

    /// <summary>Byte and message counters.</summary>
    public TrafficCounters Counters { get; }

    /// <summary>Messages accepted and not yet delivered or failed.</summary>
    public int MessagesInFlight { get; private set; }

    /// <summary>Whether <paramref name="node"/> is online.</summary>
    public bool IsOnline(int node) => _online[node];

    /// <summary>
    /// Brings a node online or takes it offline. Going offline cuts every transfer from or to
    /// the node (each reported as <see cref="DeliveryFailure.TransferKilled"/>) and hands the
    /// freed bandwidth at the other ends to their remaining transfers.
    /// </summary>
    public void SetOnline(int node, bool online)
    {
        if (_online[node] == online)
        {
            return;
        }

        _online[node] = online;
        if (!online)
        {
            KillTransfersOf(node);
        }
    }

    /// <summary>Partition group of a node (0 unless partitioned).</summary>
    public int GroupOf(int node) => _group[node];

    /// <summary>Puts <paramref name="node"/> in partition group <paramref name="group"/>; messages between groups are dropped.</summary>
    public void SetGroup(int node, int group) => _group[node] = group;

    /// <summary>Ends every partition: all nodes back in group 0.</summary>
    public void HealPartitions() => Array.Clear(_group);

    /// <summary>One-way latency between two nodes in ticks (from the latency model).</summary>
    public long OneWayDelay(int from, int to) => _latency.OneWayDelay(from, to);

    /// <summary>
    /// Sends <paramref name="bytes"/> from <paramref name="from"/> to <paramref name="to"/>.
    /// <paramref name="handler"/> later hears OnDelivered or OnFailed, unless the result is
    /// <see cref="SendStatus.SenderOffline"/>.
    /// </summary>
    public SendStatus Send(int from, int to, long bytes, int typeId, object? payload, IMessageHandler handler)
    {
        CheckNode(from, nameof(from));
        CheckNode(to, nameof(to));
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_online[from])
        {
            return SendStatus.SenderOffline;
        }

        Counters.OnSent(from, typeId, bytes);
        int slot = AllocateSlot();
        ref MessageSlot m = ref _slots[slot];
        m.Message = new SimMessage(_nextMessageId++, from, to, bytes, typeId, payload, _simulation.Now);
        m.Handler = handler;
        m.Lost = false;
        MessagesInFlight++;
        long delay = _latency.OneWayDelay(from, to);
        if (!_online[to])
        {
            ScheduleFailure(slot, DeliveryFailure.ReceiverOffline, delay + _latency.OneWayDelay(to, from));
        }
        else if (_group[from] != _group[to])
        {
            ScheduleFailure(slot, DeliveryFailure.Partitioned, delay);
        }
        else
        {
            // Drawn only when loss is on, so enabling loss does not shift any other random stream.
            m.Lost = _lossProbability > 0 && _lossRandom.NextDouble() < _lossProbability;
            if (bytes < _threshold || !StartTransfer(slot))
            {
                _simulation.ScheduleAfter(delay, _deliveryEvents, null, slot);
            }
        }

        return SendStatus.Accepted;
    }

    private void ScheduleFailure(int slot, DeliveryFailure reason, long delay)
    {
        _slots[slot].Failure = reason;
        _simulation.ScheduleAfter(delay, _failureEvents, null, slot);
    }

    private void Deliver(int slot)
    {
        ref MessageSlot m = ref _slots[slot];
        var message = m.Message;
        if (m.Lost)
        {
            Fail(slot, DeliveryFailure.Lost);
            return;
        }

        if (!_online[message.To])
        {
            Fail(slot, DeliveryFailure.ReceiverOffline);
            return;
        }

        if (_group[message.From] != _group[message.To])
        {
            Fail(slot, DeliveryFailure.Partitioned);
            return;
        }

        var handler = m.Handler!;
        FreeSlot(slot);
        Counters.OnDelivered(message.To, message.TypeId, message.Bytes);
        handler.OnDelivered(in message);
    }

    private void Fail(int slot, DeliveryFailure reason)
    {
        ref MessageSlot m = ref _slots[slot];
        var message = m.Message;
        var handler = m.Handler!;
        FreeSlot(slot);
        Counters.OnFailed(reason);
        handler.OnFailed(in message, reason);
    }

    private void CheckNode(int node, string name)
    {
        if ((uint)node >= (uint)NodeCount)
        {
            throw new ArgumentOutOfRangeException(name, node, $"Node index outside 0..{NodeCount - 1}.");
        }
    }

    private int AllocateSlot()
    {
        if (_freeSlot != None)
        {
            int slot = _freeSlot;
            _freeSlot = _slots[slot].NextFree;
            return slot;
        }

        if (_slotHigh == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }

        return _slotHigh++;
    }

    private void FreeSlot(int slot)
    {
        ref MessageSlot m = ref _slots[slot];
        m.Message = default;
        m.Handler = null;
        m.NextFree = _freeSlot;
        _freeSlot = slot;
        MessagesInFlight--;
    }

    private struct MessageSlot
    {
        public SimMessage Message;
        public IMessageHandler? Handler;
        public bool Lost;
        public DeliveryFailure Failure;
        public int NextFree;

        // Transfer state while the bytes are on the wire (see SimNetwork.Bandwidth.cs).
        public double Remaining;
        public double Rate;
        public long LastUpdate;
        public EventHandle Completion;
        public int OutPrev;
        public int OutNext;
        public int InPrev;
        public int InNext;
    }

    private sealed class DeliveryEvents(SimNetwork network) : ISimEventHandler
    {
        public void OnEvent(Simulation simulation, object? state, long arg) => network.Deliver((int)arg);
    }

    private sealed class FailureEvents(SimNetwork network) : ISimEventHandler
    {
        public void OnEvent(Simulation simulation, object? state, long arg) =>
            network.Fail((int)arg, network._slots[(int)arg].Failure);
    }
}
