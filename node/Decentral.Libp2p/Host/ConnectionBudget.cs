using System.Net;
using System.Net.Sockets;
using Decentral.Identity;

namespace Decentral.Libp2p.Host;

/// <summary>
/// One inbound handshake holding a slot of the budget. Its token is cancelled when a newer
/// socket evicts it; <see cref="Evicted"/> then says why.
/// </summary>
internal sealed class PendingHandshake : IDisposable
{
    private readonly CancellationTokenSource _evict = new();

    public PendingHandshake(AddressKey? address, long startedAt)
    {
        Address = address;
        StartedAt = startedAt;
    }

    /// <summary>The per-address key, or null when the address is exempt from per-address limits.</summary>
    public AddressKey? Address { get; }

    /// <summary>Timestamp of the accept (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long StartedAt { get; }

    public CancellationToken Token => _evict.Token;

    public bool Evicted { get; private set; }

    /// <summary>Set by the budget while it holds its lock; the slot is already free.</summary>
    internal LinkedListNode<PendingHandshake>? Node { get; set; }

    internal void Evict()
    {
        Evicted = true;
        _evict.Cancel();
    }

    public void Dispose() => _evict.Dispose();
}

/// <summary>
/// An IPv4 address or an IPv6 /56 prefix: the unit of the per-address limits. IPv4-mapped IPv6
/// addresses count as their IPv4 address.
/// </summary>
internal readonly record struct AddressKey(UInt128 Bits, bool IsV6)
{
    public static AddressKey Of(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return new AddressKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes), false);
        }

        address.TryWriteBytes(bytes, out _);
        var bits = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return new AddressKey(bits >> 72 << 72, true);
    }
}

/// <summary>
/// The host's connection budget (see <see cref="Libp2pHostOptions"/>): pending inbound
/// handshakes, established inbound and outbound connections, per address and per peer. Every
/// call is one short critical section; nothing here does I/O.
/// </summary>
internal sealed class ConnectionBudget
{
    private readonly Libp2pHostOptions _options;
    private readonly object _gate = new();
    private readonly LinkedList<PendingHandshake> _pending = new();
    private readonly Dictionary<AddressKey, (int Pending, int Connections)> _perAddress = [];
    private readonly Dictionary<PeerId, int> _perPeer = [];
    private int _inbound;
    private int _outbound;
    private int _outboundDials;

    public ConnectionBudget(Libp2pHostOptions options) => _options = options;

    public long Active(Direction direction)
    {
        lock (_gate)
        {
            return direction == Direction.Inbound ? _inbound : _outbound;
        }
    }

    public long Pending(Direction direction)
    {
        lock (_gate)
        {
            return direction == Direction.Inbound ? _pending.Count : _outboundDials;
        }
    }

    /// <summary>The per-address key of <paramref name="address"/>, or null when it is exempt.</summary>
    public AddressKey? KeyOf(IPAddress address)
    {
        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in _options.AddressLimitExemptions)
        {
            if (network.Contains(normalized))
            {
                return null;
            }
        }

        return AddressKey.Of(normalized);
    }

    /// <summary>
    /// Admits an accepted socket into the handshake budget, or says why not. When the pending
    /// budget is full the oldest pending handshake is returned in <paramref name="evicted"/>;
    /// its token is already cancelled.
    /// </summary>
    public PendingHandshake? TryBeginInbound(AddressKey? address, long now, out RefusalReason refusal, out PendingHandshake? evicted)
    {
        evicted = null;
        refusal = default;
        lock (_gate)
        {
            if (_inbound >= _options.MaxInboundConnections)
            {
                refusal = RefusalReason.InboundLimit;
                return null;
            }

            if (address is { } key && _perAddress.TryGetValue(key, out var counts))
            {
                if (counts.Pending >= _options.MaxPendingHandshakesPerAddress)
                {
                    refusal = RefusalReason.AddressPendingLimit;
                    return null;
                }

                if (counts.Pending + counts.Connections >= _options.MaxInboundConnectionsPerAddress)
                {
                    refusal = RefusalReason.AddressConnectionLimit;
                    return null;
                }
            }

            if (_pending.Count >= _options.MaxPendingInboundHandshakes)
            {
                evicted = _pending.First!.Value;
                RemovePending(evicted);
                evicted.Evict();
            }

            var pending = new PendingHandshake(address, now);
            pending.Node = _pending.AddLast(pending);
            if (address is { } k)
            {
                Adjust(k, pending: +1, connections: 0);
            }

            return pending;
        }
    }

    /// <summary>Ends a pending handshake that failed (a no-op when it was evicted).</summary>
    public void EndInbound(PendingHandshake pending)
    {
        lock (_gate)
        {
            RemovePending(pending);
        }
    }

    /// <summary>Turns a finished inbound handshake into a connection, or says why it must be closed.</summary>
    public bool TryPromoteInbound(PendingHandshake pending, PeerId peer, out RefusalReason refusal)
    {
        refusal = default;
        lock (_gate)
        {
            var wasPending = pending.Node is not null;
            RemovePending(pending);
            if (!wasPending)
            {
                // Evicted while the handshake finished: its slot went to someone else.
                refusal = RefusalReason.InboundLimit;
                return false;
            }

            if (_inbound >= _options.MaxInboundConnections)
            {
                refusal = RefusalReason.InboundLimit;
                return false;
            }

            if (!TryAddPeer(peer))
            {
                refusal = RefusalReason.PeerConnectionLimit;
                return false;
            }

            _inbound++;
            if (pending.Address is { } key)
            {
                Adjust(key, pending: 0, connections: +1);
            }

            return true;
        }
    }

    /// <summary>Reserves an outbound slot for a dial; false when the outbound budget is full.</summary>
    public bool TryBeginOutbound()
    {
        lock (_gate)
        {
            if (_outbound + _outboundDials >= _options.MaxOutboundConnections)
            {
                return false;
            }

            _outboundDials++;
            return true;
        }
    }

    /// <summary>Ends a dial's reservation; with a peer, turns it into a connection unless the peer has too many.</summary>
    public bool EndOutbound(PeerId? connectedPeer, out RefusalReason refusal)
    {
        refusal = default;
        lock (_gate)
        {
            _outboundDials--;
            if (connectedPeer is null)
            {
                return false;
            }

            if (!TryAddPeer(connectedPeer))
            {
                refusal = RefusalReason.PeerConnectionLimit;
                return false;
            }

            _outbound++;
            return true;
        }
    }

    /// <summary>Releases an established connection's slots.</summary>
    public void Closed(Direction direction, AddressKey? address, PeerId peer)
    {
        lock (_gate)
        {
            if (direction == Direction.Inbound)
            {
                _inbound--;
                if (address is { } key)
                {
                    Adjust(key, pending: 0, connections: -1);
                }
            }
            else
            {
                _outbound--;
            }

            if (_perPeer.TryGetValue(peer, out var n))
            {
                if (n <= 1)
                {
                    _perPeer.Remove(peer);
                }
                else
                {
                    _perPeer[peer] = n - 1;
                }
            }
        }
    }

    private bool TryAddPeer(PeerId peer)
    {
        _perPeer.TryGetValue(peer, out var n);
        if (n >= _options.MaxConnectionsPerPeer)
        {
            return false;
        }

        _perPeer[peer] = n + 1;
        return true;
    }

    private void RemovePending(PendingHandshake pending)
    {
        if (pending.Node is null)
        {
            return;
        }

        _pending.Remove(pending.Node);
        pending.Node = null;
        if (pending.Address is { } key)
        {
            Adjust(key, pending: -1, connections: 0);
        }
    }

    private void Adjust(AddressKey key, int pending, int connections)
    {
        _perAddress.TryGetValue(key, out var counts);
        counts = (counts.Pending + pending, counts.Connections + connections);
        if (counts is (0, 0))
        {
            _perAddress.Remove(key);
        }
        else
        {
            _perAddress[key] = counts;
        }
    }
}
