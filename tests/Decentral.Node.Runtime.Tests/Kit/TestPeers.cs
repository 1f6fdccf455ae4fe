using Decentral.Identity;

namespace Decentral.Node.Runtime.Tests.Kit;

/// <summary>Peer ids for tests that need a few distinct peers and no host.</summary>
internal static class TestPeers
{
    /// <summary>The id of the identity whose 32-byte seed starts with <paramref name="seed"/>.</summary>
    public static PeerId Peer(byte seed)
    {
        var key = new byte[32];
        key[0] = seed;
        using var identity = PeerIdentity.FromSeed(key);
        return identity.PeerId;
    }
}
