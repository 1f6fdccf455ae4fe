using System.Buffers.Binary;
using Decentral.Identity;

namespace Decentral.Membership;

/// <summary>
/// An order-independent 64-bit digest of a set of membership records (peer, index, status).
/// XOR of a per-record hash, so it can be maintained incrementally: remove a record by XOR-ing
/// its hash out, add by XOR-ing in. Last-active rounds are deliberately left out: they change
/// every round and views only need to agree on who is a member.
/// </summary>
public static class MembershipDigest
{
    /// <summary>The hash of one record's membership (a fixed function, stable across processes).</summary>
    public static ulong Of(PeerId peer, long membershipIndex, MembershipStatus status)
    {
        var key = peer.PublicKey;
        var a = BinaryPrimitives.ReadUInt64LittleEndian(key);
        var b = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        var x = Mix(a ^ Mix(b + 0x9E3779B97F4A7C15UL));
        x = Mix(x ^ (ulong)membershipIndex);
        return Mix(x ^ ((ulong)status * 0xD6E8FEB86659FD93UL));
    }

    /// <summary>The hash of one record's membership.</summary>
    public static ulong Of(in PeerRecord record) => Of(record.Peer, record.MembershipIndex, record.Status);

    // splitmix64 finalizer: a cheap bijective mixer with good avalanche.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
