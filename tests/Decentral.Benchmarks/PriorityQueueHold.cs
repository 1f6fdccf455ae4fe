using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;

namespace Decentral.Benchmarks;

/// <summary>A run the benchmark can measure.</summary>
internal interface IHoldRun
{
    long EventsProcessed { get; }

    long Now { get; }

    void Start();

    void RunEvents(long count);
}

/// <summary>
/// The Queue workload on the BCL <see cref="PriorityQueue{TElement, TPriority}"/> keyed by
/// (time, sequence): the baseline the timing wheel has to beat to be worth its complexity.
/// </summary>
internal sealed class PriorityQueueHold : IHoldRun
{
    private readonly PriorityQueue<int, (long Time, long Sequence)> _queue = new();
    private readonly Random _random;
    private readonly long[] _delays;
    private readonly int _nodes;
    private long _sequence;

    public PriorityQueueHold(int nodes, int seed)
    {
        _nodes = nodes;
        _random = new Random(seed);
        _delays = SiteLatencyMatrix.Synthetic(227, seed).Entries.ToArray().Select(SimTime.FromMilliseconds).ToArray();
    }

    public long EventsProcessed { get; private set; }

    public long Now { get; private set; }

    public void Start()
    {
        for (int node = 0; node < _nodes; node++)
        {
            _queue.Enqueue(node, (_random.NextInt64(SimTime.PerSecond), _sequence++));
        }
    }

    public void RunEvents(long count)
    {
        for (long i = 0; i < count && _queue.TryDequeue(out int node, out var key); i++)
        {
            Now = key.Time;
            EventsProcessed++;
            _queue.Enqueue(node, (Now + _delays[_random.Next(_delays.Length)], _sequence++));
        }
    }
}
