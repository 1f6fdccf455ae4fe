using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Records;
using Decentral.Libp2p.Transport;

namespace Decentral.Libp2p.Tests;

public sealed class RecordTests
{
    private static PeerIdentity Identity(byte seed)
    {
        var bytes = new byte[32];
        bytes[0] = seed;
        return PeerIdentity.FromSeed(bytes);
    }

    [Fact]
    public void PeerRecord_RoundTrip_KeepsPeerSequenceAndAddresses()
    {
        using var identity = Identity(1);
        var addresses = new[] { Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001"), Multiaddr.Parse($"/ip6/::1/tcp/4002/p2p/{identity.PeerId}") };
        var record = PeerRoutingRecord.Create(identity, 42, addresses);

        Assert.True(PeerRoutingRecord.TryDecode(record.Envelope.Encoded.Span, out var decoded, out var error), error);

        Assert.Equal(identity.PeerId, decoded.Peer);
        Assert.Equal(42UL, decoded.Sequence);
        Assert.Equal(["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4002"], decoded.Addresses.Select(a => a.ToString()));
    }

    [Fact]
    public void PeerRecord_AnyFlippedByte_IsRejected()
    {
        using var identity = Identity(2);
        var encoded = PeerRoutingRecord.Create(identity, 7, [Multiaddr.Parse("/ip4/10.0.0.1/tcp/1")]).Envelope.Encoded.ToArray();
        for (var i = 0; i < encoded.Length; i++)
        {
            var tampered = (byte[])encoded.Clone();
            tampered[i] ^= 0x01;
            Assert.False(PeerRoutingRecord.TryDecode(tampered, out _, out _), $"byte {i} flipped still verified");
        }
    }

    [Fact]
    public void Envelope_SignedForAnotherDomain_DoesNotVerifyAsPeerRecord()
    {
        using var identity = Identity(3);
        var envelope = SignedEnvelope.Seal(identity, "libp2p-something-else", PeerRoutingRecord.PayloadType, [0x0a, 0x00]);

        Assert.False(PeerRoutingRecord.TryDecode(envelope.Encoded.Span, out _, out var error));
        Assert.Contains("signature", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerRecord_SignedByAnotherPeer_IsRejected()
    {
        using var alice = Identity(4);
        using var mallory = Identity(5);
        var aliceRecord = PeerRoutingRecord.Create(alice, 1, [Multiaddr.Parse("/ip4/10.0.0.1/tcp/1")]);

        // Mallory re-seals Alice's record payload under her own key.
        var forged = SignedEnvelope.Seal(mallory, PeerRoutingRecord.Domain, PeerRoutingRecord.PayloadType, aliceRecord.Envelope.Payload.Span);

        Assert.False(PeerRoutingRecord.TryDecode(forged.Encoded.Span, out _, out var error));
        Assert.Contains("signed by", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DialableForms_Unspecified_BecomesInterfaceAddressesNeverZero()
    {
        var forms = TcpTransport.DialableForms([Multiaddr.Parse("/ip4/0.0.0.0/tcp/4001"), Multiaddr.Parse("/ip4/127.0.0.2/tcp/5")]);

        Assert.Contains(forms, a => a.ToString() == "/ip4/127.0.0.1/tcp/4001");
        Assert.Contains(forms, a => a.ToString() == "/ip4/127.0.0.2/tcp/5");
        Assert.DoesNotContain(forms, a => a.ToString().Contains("0.0.0.0", StringComparison.Ordinal));
    }
}
