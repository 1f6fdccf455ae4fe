using System.Security.Cryptography;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Sampling;

namespace Decentral.Core.Tests.TestKit;

/// <summary>Deterministic peer ids and views for tests: peer i has the key SHA-256("peer" || i).</summary>
public static class TestPeers
{
    private static readonly Dictionary<int, PeerId> Cache = [];

    /// <summary>The peer with index <paramref name="index"/> (same bytes in every run).</summary>
    public static PeerId Get(int index)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(index, out var peer))
            {
                var seed = new byte[8];
                BitConverter.TryWriteBytes(seed.AsSpan(4), index);
                "peer"u8.CopyTo(seed);
                peer = PeerId.FromPublicKey(SHA256.HashData(seed));
                Cache[index] = peer;
            }

            return peer;
        }
    }

    /// <summary>Peers 0 .. count-1.</summary>
    public static PeerId[] Range(int count, int first = 0) => [.. Enumerable.Range(first, count).Select(Get)];

    /// <summary>A founding-member record: JOIN, index 1, last active in round 0.</summary>
    public static PeerRecord Founder(PeerId peer) => new(peer, 0, 1, MembershipStatus.Join);

    /// <summary>A shared base where every peer is a founding member.</summary>
    public static SharedViewBase FoundersBase(IEnumerable<PeerId> peers) => new(peers.Select(Founder));

    /// <summary>The rank order of <paramref name="peers"/> in <paramref name="round"/>.</summary>
    public static PeerId[] OrderOf(IEnumerable<PeerId> peers, long round)
    {
        var order = peers.ToArray();
        SampleRank.Sort(order, round);
        return order;
    }
}
