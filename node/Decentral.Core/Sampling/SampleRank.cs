using System.Buffers.Binary;
using System.Security.Cryptography;
using Decentral.Identity;

namespace Decentral.Sampling;

/// <summary>
/// The rank of a peer in round k: the first 8 bytes (big-endian) of
/// SHA-256(peer id bytes || k as 8 bytes big-endian); ties, which need a 64-bit collision, are
/// broken by the peer id bytes. Depends only on the peer and the round, so peers with different
/// views still agree on the relative order of the peers they both know.
/// </summary>
public static class SampleRank
{
    // One reusable hash context per thread: the one-shot SHA256.HashData sets up a native
    // context on every call, which costs several times the hashing of 46 bytes itself (ranking
    // 10^5 peers per round in a large simulation is dominated by it).
    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    /// <summary>The 64-bit rank key of <paramref name="peer"/> in <paramref name="round"/>; lower comes first.</summary>
    public static ulong Of(PeerId peer, long round)
    {
        ArgumentNullException.ThrowIfNull(peer);
        Span<byte> roundBytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(roundBytes, round);
        var sha = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(peer.Span);
        sha.AppendData(roundBytes);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        sha.GetHashAndReset(hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>Sorts <paramref name="peers"/> in place into the order of <paramref name="round"/>.</summary>
    public static void Sort(PeerId[] peers, long round)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var keys = new ulong[peers.Length];
        for (var i = 0; i < peers.Length; i++)
        {
            keys[i] = Of(peers[i], round);
        }

        Array.Sort(keys, peers, Comparer<ulong>.Default);
        // Equal keys are (astronomically) rare; make their order independent of the input order.
        for (var i = 1; i < keys.Length; i++)
        {
            if (keys[i] == keys[i - 1])
            {
                var j = i - 1;
                while (i < keys.Length && keys[i] == keys[j])
                {
                    i++;
                }

                Array.Sort(peers, j, i - j);
            }
        }
    }
}
