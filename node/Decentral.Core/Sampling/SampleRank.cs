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
    /// <summary>The 64-bit rank key of <paramref name="peer"/> in <paramref name="round"/>; lower comes first.</summary>
    public static ulong Of(PeerId peer, long round)
    {
        Span<byte> input = stackalloc byte[PeerId.EncodedLength + sizeof(long)];
        peer.Span.CopyTo(input);
        BinaryPrimitives.WriteInt64BigEndian(input[PeerId.EncodedLength..], round);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
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
