using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>
/// The gossipsub message cache: the messages of the last <c>historyLength</c> heartbeat
/// windows, served to IWANT, and the ids of the last <c>historyGossip</c> windows, advertised
/// in IHAVE. <see cref="Shift"/> runs once per heartbeat. At most <c>maxBytes</c> of messages
/// are held: beyond it the oldest are forgotten early (a flood cannot grow the cache with it).
/// </summary>
internal sealed class MessageCache
{
    private readonly int _gossipWindows;
    private readonly LinkedList<List<(MessageId Id, string Topic)>> _windows = new();
    private readonly Dictionary<MessageId, Entry> _messages = [];
    private readonly Queue<MessageId> _arrival = new();
    private readonly long _maxBytes;
    private long _bytes;

    public MessageCache(int historyLength, int historyGossip, long maxBytes)
    {
        _gossipWindows = historyGossip;
        _maxBytes = maxBytes;
        for (var i = 0; i < historyLength; i++)
        {
            _windows.AddLast([]);
        }
    }

    /// <summary>Number of messages held.</summary>
    public int Count => _messages.Count;

    /// <summary>Bytes of the messages held (their fields' lengths).</summary>
    public long Bytes => _bytes;

    /// <summary>Stores a message in the current window (no-op when already present).</summary>
    public void Put(MessageId id, PubSubMessage message)
    {
        var entry = new Entry(message);
        if (!_messages.TryAdd(id, entry))
        {
            return;
        }

        _windows.First!.Value.Add((id, message.Topic));
        _arrival.Enqueue(id);
        _bytes += entry.Size;
        while (_bytes > _maxBytes && _arrival.TryDequeue(out var oldest))
        {
            Forget(oldest);
        }
    }

    /// <summary>
    /// Returns the message for an IWANT from <paramref name="requester"/>, counting the request;
    /// null when unknown or when that peer already asked <paramref name="maxTransmissions"/> times.
    /// </summary>
    public PubSubMessage? GetForPeer(MessageId id, PeerId requester, int maxTransmissions)
    {
        if (!_messages.TryGetValue(id, out var entry))
        {
            return null;
        }

        entry.Requests ??= [];
        var count = entry.Requests.GetValueOrDefault(requester) + 1;
        entry.Requests[requester] = count;
        return count > maxTransmissions ? null : entry.Message;
    }

    /// <summary>True when the message is cached.</summary>
    public bool Contains(MessageId id) => _messages.ContainsKey(id);

    /// <summary>Ids of <paramref name="topic"/> in the gossip windows, newest first.</summary>
    public List<MessageId> GossipIds(string topic)
    {
        var ids = new List<MessageId>();
        var window = _windows.First;
        for (var i = 0; i < _gossipWindows && window is not null; i++, window = window.Next)
        {
            foreach (var (id, t) in window.Value)
            {
                // Ids forgotten early for the byte bound stay in their window until it shifts out.
                if (t == topic && _messages.ContainsKey(id))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }

    /// <summary>Starts a new window and forgets the oldest one.</summary>
    public void Shift()
    {
        var oldest = _windows.Last!.Value;
        _windows.RemoveLast();
        foreach (var (id, _) in oldest)
        {
            Forget(id);
        }

        // The oldest window held the oldest arrivals: their ids leave the arrival queue too.
        while (_arrival.TryPeek(out var head) && !_messages.ContainsKey(head))
        {
            _arrival.Dequeue();
        }

        oldest.Clear();
        _windows.AddFirst(oldest);
    }

    private void Forget(MessageId id)
    {
        if (_messages.Remove(id, out var entry))
        {
            _bytes -= entry.Size;
        }
    }

    private sealed class Entry(PubSubMessage message)
    {
        public PubSubMessage Message { get; } = message;

        public long Size { get; } = message.Data.Length + message.From.Length + message.Seqno.Length + message.Signature.Length
            + message.Key.Length + message.Topic.Length;

        public Dictionary<PeerId, int>? Requests { get; set; }
    }
}
