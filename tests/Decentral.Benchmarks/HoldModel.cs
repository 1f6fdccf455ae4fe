using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;

namespace Decentral.Benchmarks;

/// <summary>Which traffic the hold-model run generates.</summary>
internal enum Workload
{
    /// <summary>Only the event queue: each event reschedules itself after a latency-like delay.</summary>
    Queue,

    /// <summary>The Queue workload on the BCL PriorityQueue (baseline, no Simulation).</summary>
    QueueBaseline,

    /// <summary>Small messages over the site-latency network (one event per message).</summary>
    Latency,

    /// <summary>As Latency, but every 10th message is 256 KiB and goes through the bandwidth model (10 Mbit/s links).</summary>
    Mixed,
}

/// <summary>
/// The hold model: a constant population of pending work. Every node starts with one message
/// in flight; each delivery makes the receiver send a new message to a random node, so the
/// number of pending events stays at about N.
/// </summary>
internal sealed class HoldModel : IMessageHandler, ISimEventHandler, IHoldRun
{
    private readonly Simulation _simulation;
    private readonly SimNetwork? _network;
    private readonly Random _random;
    private readonly int _nodes;
    private readonly Workload _workload;
    private readonly long[] _delays;
    private long _sends;

    public HoldModel(int nodes, Workload workload, int seed)
    {
        _nodes = nodes;
        _workload = workload;
        _random = new Random(seed);
        _simulation = new Simulation(new SimulationOptions { InitialEventCapacity = Math.Max(1024, nodes * 2) });
        var matrix = SiteLatencyMatrix.Synthetic(227, seed);
        _delays = matrix.Entries.ToArray().Select(SimTime.FromMilliseconds).ToArray();
        if (workload != Workload.Queue)
        {
            var options = new NetworkOptions
            {
                NodeCount = nodes,
                Seed = seed,
                InitialMessageCapacity = nodes * 2,
                DefaultUploadBytesPerSecond = workload == Workload.Mixed ? 1_250_000 : double.PositiveInfinity,
                DefaultDownloadBytesPerSecond = workload == Workload.Mixed ? 1_250_000 : double.PositiveInfinity,
            };
            _network = new SimNetwork(_simulation, new SiteLatencyModel(matrix, seed), options);
        }
    }

    public long EventsProcessed => _simulation.EventsProcessed;

    public long Now => _simulation.Now;

    public void RunEvents(long count) => _simulation.RunEvents(count);

    public long Failures { get; private set; }

    public void Start()
    {
        for (int node = 0; node < _nodes; node++)
        {
            // Spread the first sends over one second so the run starts in steady state.
            _simulation.ScheduleAt(_random.NextInt64(SimTime.PerSecond), this, null, node);
        }
    }

    public void OnEvent(Simulation simulation, object? state, long arg)
    {
        if (_network is null)
        {
            simulation.ScheduleAfter(_delays[_random.Next(_delays.Length)], this, null, arg);
            return;
        }

        SendFrom((int)arg);
    }

    public void OnDelivered(in SimMessage message) => SendFrom(message.To);

    public void OnFailed(in SimMessage message, DeliveryFailure failure)
    {
        Failures++;
        SendFrom(message.From);
    }

    private void SendFrom(int node)
    {
        int to = _random.Next(_nodes);
        long bytes = _workload == Workload.Mixed && (++_sends % 10) == 0 ? 256 * 1024 : 256;
        _network!.Send(node, to, bytes, (int)(bytes & 1), null, this);
    }
}
