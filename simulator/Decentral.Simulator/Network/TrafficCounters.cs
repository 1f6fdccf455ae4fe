namespace Decentral.Simulator.Network;

/// <summary>
/// Byte and message counters of a <see cref="SimNetwork"/>: per message type id, per node and
/// per failure reason. Counts "sent" when a send is accepted and "delivered" on arrival.
/// </summary>
public sealed class TrafficCounters
{
    private long[] _messagesSent = new long[8];
    private long[] _bytesSent = new long[8];
    private long[] _messagesDelivered = new long[8];
    private long[] _bytesDelivered = new long[8];
    private readonly long[] _nodeBytesSent;
    private readonly long[] _nodeBytesReceived;
    private readonly long[] _failures = new long[Enum.GetValues<DeliveryFailure>().Length];

    internal TrafficCounters(int nodeCount)
    {
        _nodeBytesSent = new long[nodeCount];
        _nodeBytesReceived = new long[nodeCount];
    }

    /// <summary>Highest message type id seen plus one.</summary>
    public int TypeCount { get; private set; }

    /// <summary>Total bytes of all accepted sends.</summary>
    public long TotalBytesSent { get; private set; }

    /// <summary>Total bytes of all delivered messages.</summary>
    public long TotalBytesDelivered { get; private set; }

    /// <summary>Bytes of transfers cut by a node going offline that had not yet been transmitted.</summary>
    public long BytesUnsentInKilledTransfers { get; internal set; }

    /// <summary>Messages sent with type <paramref name="typeId"/>.</summary>
    public long MessagesSent(int typeId) => Get(_messagesSent, typeId);

    /// <summary>Bytes sent with type <paramref name="typeId"/>.</summary>
    public long BytesSent(int typeId) => Get(_bytesSent, typeId);

    /// <summary>Messages delivered with type <paramref name="typeId"/>.</summary>
    public long MessagesDelivered(int typeId) => Get(_messagesDelivered, typeId);

    /// <summary>Bytes delivered with type <paramref name="typeId"/>.</summary>
    public long BytesDelivered(int typeId) => Get(_bytesDelivered, typeId);

    /// <summary>Bytes node <paramref name="node"/> has sent.</summary>
    public long NodeBytesSent(int node) => _nodeBytesSent[node];

    /// <summary>Bytes node <paramref name="node"/> has received.</summary>
    public long NodeBytesReceived(int node) => _nodeBytesReceived[node];

    /// <summary>Messages that failed for <paramref name="reason"/>.</summary>
    public long Failures(DeliveryFailure reason) => _failures[(int)reason];

    internal void OnSent(int from, int typeId, long bytes)
    {
        EnsureType(typeId);
        _messagesSent[typeId]++;
        _bytesSent[typeId] += bytes;
        _nodeBytesSent[from] += bytes;
        TotalBytesSent += bytes;
    }

    internal void OnDelivered(int to, int typeId, long bytes)
    {
        _messagesDelivered[typeId]++;
        _bytesDelivered[typeId] += bytes;
        _nodeBytesReceived[to] += bytes;
        TotalBytesDelivered += bytes;
    }

    internal void OnFailed(DeliveryFailure reason) => _failures[(int)reason]++;

    private static long Get(long[] values, int typeId) => (uint)typeId < (uint)values.Length ? values[typeId] : 0;

    private void EnsureType(int typeId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(typeId);
        if (typeId >= _messagesSent.Length)
        {
            int size = Math.Max(typeId + 1, _messagesSent.Length * 2);
            Array.Resize(ref _messagesSent, size);
            Array.Resize(ref _bytesSent, size);
            Array.Resize(ref _messagesDelivered, size);
            Array.Resize(ref _bytesDelivered, size);
        }

        TypeCount = Math.Max(TypeCount, typeId + 1);
    }
}
