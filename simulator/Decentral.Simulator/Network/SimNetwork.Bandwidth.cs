using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Network;

/// <summary>
/// Bandwidth sharing, as in the MoDeST simulator: a new transfer gets the lesser of its sender's
/// free upload and its receiver's free download (possibly nothing, then it waits); when a
/// transfer ends or is cut, the freed bandwidth is offered to the other transfers of the same
/// two nodes, oldest first, and their completion times are recomputed. Each node keeps its
/// transfers in two intrusive lists (outgoing and incoming) threaded through the message slots,
/// so the per-node cost is four ints and four doubles.
/// </summary>
public sealed partial class SimNetwork
{
    // Rates below this (bytes/s) count as no bandwidth; guards against float residue.
    private const double MinRate = 1e-6;

    private readonly TransferEvents _transferEvents;
    private double[] _upCapacity = [];
    private double[] _downCapacity = [];
    private double[] _upUsed = [];
    private double[] _downUsed = [];
    private int[] _outHead = [];
    private int[] _outTail = [];
    private int[] _inHead = [];
    private int[] _inTail = [];
    private readonly List<int> _touched = [];

    /// <summary>Sets a node's upload and download capacity in bytes per second (PositiveInfinity for unlimited).</summary>
    /// <remarks>Applies to bandwidth handed out from now on; running transfers keep their rate.</remarks>
    public void SetBandwidth(int node, double uploadBytesPerSecond, double downloadBytesPerSecond)
    {
        CheckNode(node, nameof(node));
        NetworkOptions.ValidateBandwidth(uploadBytesPerSecond, nameof(uploadBytesPerSecond));
        NetworkOptions.ValidateBandwidth(downloadBytesPerSecond, nameof(downloadBytesPerSecond));
        _upCapacity[node] = uploadBytesPerSecond;
        _downCapacity[node] = downloadBytesPerSecond;
    }

    /// <summary>Upload capacity of a node in bytes per second.</summary>
    public double UploadCapacity(int node) => _upCapacity[node];

    /// <summary>Download capacity of a node in bytes per second.</summary>
    public double DownloadCapacity(int node) => _downCapacity[node];

    /// <summary>Upload bandwidth currently given to the node's outgoing transfers, bytes per second.</summary>
    public double UploadInUse(int node) => _upUsed[node];

    /// <summary>Download bandwidth currently given to the node's incoming transfers, bytes per second.</summary>
    public double DownloadInUse(int node) => _downUsed[node];

    private void InitBandwidth(NetworkOptions options)
    {
        int n = options.NodeCount;
        _upCapacity = new double[n];
        _downCapacity = new double[n];
        Array.Fill(_upCapacity, options.DefaultUploadBytesPerSecond);
        Array.Fill(_downCapacity, options.DefaultDownloadBytesPerSecond);
        _upUsed = new double[n];
        _downUsed = new double[n];
        _outHead = new int[n];
        _outTail = new int[n];
        _inHead = new int[n];
        _inTail = new int[n];
        Array.Fill(_outHead, None);
        Array.Fill(_outTail, None);
        Array.Fill(_inHead, None);
        Array.Fill(_inTail, None);
    }

    // False when both ends are unlimited: then the bytes take no time and only latency applies.
    private bool StartTransfer(int slot)
    {
        ref MessageSlot m = ref _slots[slot];
        int from = m.Message.From;
        int to = m.Message.To;
        if (double.IsPositiveInfinity(_upCapacity[from]) && double.IsPositiveInfinity(_downCapacity[to]))
        {
            return false;
        }

        m.Remaining = m.Message.Bytes;
        m.Rate = 0;
        m.LastUpdate = _simulation.Now;
        m.Completion = default;
        LinkOut(slot, from);
        LinkIn(slot, to);
        Boost(slot);
        return true;
    }

    // Gives the transfer whatever both of its ends have free and reschedules its completion.
    private void Boost(int slot)
    {
        ref MessageSlot m = ref _slots[slot];
        int from = m.Message.From;
        int to = m.Message.To;
        double extra = Math.Min(_upCapacity[from] - _upUsed[from], _downCapacity[to] - _downUsed[to]);
        if (!(extra > MinRate))
        {
            return;
        }

        long now = _simulation.Now;
        m.Remaining = Math.Max(0, m.Remaining - (m.Rate * SimTime.ToSeconds(now - m.LastUpdate)));
        m.LastUpdate = now;
        m.Rate += extra;
        _upUsed[from] += extra;
        _downUsed[to] += extra;
        _simulation.Cancel(m.Completion);
        long duration = (long)Math.Ceiling(m.Remaining / m.Rate * SimTime.PerSecond);
        m.Completion = _simulation.ScheduleAfter(duration, _transferEvents, null, slot);
    }

    private void CompleteTransfer(int slot)
    {
        ref MessageSlot m = ref _slots[slot];
        int from = m.Message.From;
        int to = m.Message.To;
        Detach(slot);
        _simulation.ScheduleAfter(_latency.OneWayDelay(from, to), _deliveryEvents, null, slot);
        Redistribute(from, to);
    }

    private void KillTransfersOf(int node)
    {
        _touched.Clear();
        KillList(node, outgoing: true);
        KillList(node, outgoing: false);
        foreach (int other in _touched)
        {
            // The other end may have been offline-killed too; only living nodes get bandwidth back.
            if (_online[other])
            {
                Redistribute(other, other);
            }
        }
    }

    private void KillList(int node, bool outgoing)
    {
        int slot = outgoing ? _outHead[node] : _inHead[node];
        while (slot != None)
        {
            ref MessageSlot m = ref _slots[slot];
            int next = outgoing ? m.OutNext : m.InNext;
            long now = _simulation.Now;
            double unsent = Math.Max(0, m.Remaining - (m.Rate * SimTime.ToSeconds(now - m.LastUpdate)));
            Counters.BytesUnsentInKilledTransfers += (long)Math.Ceiling(unsent);
            _simulation.Cancel(m.Completion);
            _touched.Add(outgoing ? m.Message.To : m.Message.From);
            Detach(slot);
            ScheduleFailure(slot, DeliveryFailure.TransferKilled, 0);
            slot = next;
        }
    }

    // Offers freed bandwidth to the remaining transfers of the sender's uploads and the receiver's downloads.
    private void Redistribute(int sender, int receiver)
    {
        for (int s = _outHead[sender]; s != None; s = _slots[s].OutNext)
        {
            Boost(s);
        }

        for (int s = _inHead[receiver]; s != None; s = _slots[s].InNext)
        {
            Boost(s);
        }
    }

    private void Detach(int slot)
    {
        ref MessageSlot m = ref _slots[slot];
        int from = m.Message.From;
        int to = m.Message.To;
        _upUsed[from] -= m.Rate;
        _downUsed[to] -= m.Rate;
        m.Rate = 0;
        m.Completion = default;
        UnlinkOut(slot, from);
        UnlinkIn(slot, to);
        // Reset idle nodes exactly so float residue cannot build up over a long run.
        if (_outHead[from] == None)
        {
            _upUsed[from] = 0;
        }

        if (_inHead[to] == None)
        {
            _downUsed[to] = 0;
        }
    }

    private void LinkOut(int slot, int node)
    {
        _slots[slot].OutPrev = _outTail[node];
        _slots[slot].OutNext = None;
        if (_outTail[node] == None)
        {
            _outHead[node] = slot;
        }
        else
        {
            _slots[_outTail[node]].OutNext = slot;
        }

        _outTail[node] = slot;
    }

    private void LinkIn(int slot, int node)
    {
        _slots[slot].InPrev = _inTail[node];
        _slots[slot].InNext = None;
        if (_inTail[node] == None)
        {
            _inHead[node] = slot;
        }
        else
        {
            _slots[_inTail[node]].InNext = slot;
        }

        _inTail[node] = slot;
    }

    private void UnlinkOut(int slot, int node)
    {
        int prev = _slots[slot].OutPrev;
        int next = _slots[slot].OutNext;
        if (prev == None)
        {
            _outHead[node] = next;
        }
        else
        {
            _slots[prev].OutNext = next;
        }

        if (next == None)
        {
            _outTail[node] = prev;
        }
        else
        {
            _slots[next].OutPrev = prev;
        }
    }

    private void UnlinkIn(int slot, int node)
    {
        int prev = _slots[slot].InPrev;
        int next = _slots[slot].InNext;
        if (prev == None)
        {
            _inHead[node] = next;
        }
        else
        {
            _slots[prev].InNext = next;
        }

        if (next == None)
        {
            _inTail[node] = prev;
        }
        else
        {
            _slots[next].InPrev = prev;
        }
    }

    private sealed class TransferEvents(SimNetwork network) : ISimEventHandler
    {
        public void OnEvent(Simulation simulation, object? state, long arg) => network.CompleteTransfer((int)arg);
    }
}
