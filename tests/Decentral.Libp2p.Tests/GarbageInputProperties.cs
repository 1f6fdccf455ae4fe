using Decentral.Libp2p.Identify;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Noise;
using Decentral.Libp2p.Yamux;
using FsCheck.Xunit;
using Mss = Decentral.Libp2p.MultistreamSelect.MultistreamSelect;

namespace Decentral.Libp2p.Tests;

/// <summary>Every parser of remote input returns a value for arbitrary bytes: none throws.</summary>
public sealed class GarbageInputProperties
{
    [Property(MaxTest = 500)]
    public bool Varint_AnyBytes_ReturnsStatus(byte[] bytes)
    {
        var status = Varint.TryRead(bytes, out _, out var consumed);
        return status == VarintStatus.Ok ? consumed >= 1 && consumed <= Math.Min(bytes.Length, Varint.MaxLength) : consumed == 0;
    }

    [Property(MaxTest = 500)]
    public bool MultistreamLine_AnyBytes_ReturnsStatus(byte[] bytes)
    {
        var status = Mss.TryParse(bytes, out var message, out var consumed);
        return status != Decentral.Libp2p.MultistreamSelect.LineParseStatus.Ok || (message is not null && consumed <= bytes.Length);
    }

    [Property(MaxTest = 500)]
    public bool Multiaddr_AnyBytes_DecodesOrRefuses(byte[] bytes) =>
        !Multiaddr.TryDecode(bytes, out var address) || Multiaddr.TryDecode(address.ToBytes(), out _);

    [Property(MaxTest = 500)]
    public bool NoisePayload_AnyBytes_DecodesOrRefuses(byte[] bytes) =>
        !HandshakePayload.TryDecode(bytes, out var payload) || payload.IdentityKey is not null;

    [Property(MaxTest = 500)]
    public bool Identify_AnyBytes_DecodesOrRefuses(byte[] bytes) =>
        !IdentifyProtocol.TryDecode(bytes, out var info) || info.Peer is not null;

    [Property(MaxTest = 500)]
    public bool YamuxHeader_AnyTwelveBytes_ParsesOrNamesTheProblem(byte[] bytes)
    {
        var header = new byte[YamuxHeader.Size];
        bytes.AsSpan(0, Math.Min(bytes.Length, header.Length)).CopyTo(header);
        return YamuxHeader.TryRead(header, out _, out var error) ? error is null : error is not null;
    }

    [Fact]
    public void Identify_RoundTrip_KeepsEveryField()
    {
        var peer = Decentral.Identity.PeerId.Parse("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");
        var listen = new[] { Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001") };
        var encoded = IdentifyProtocol.Encode(peer, "ipfs/0.1.0", "agent", listen, ["/a/1.0.0", "/meshsub/1.1.0"], Multiaddr.Parse("/ip6/::1/tcp/9"));

        Assert.True(IdentifyProtocol.TryDecode(encoded, out var info));
        Assert.Equal(peer, info.Peer);
        Assert.Equal(("ipfs/0.1.0", "agent"), (info.ProtocolVersion, info.AgentVersion));
        Assert.Equal(listen, info.ListenAddresses);
        Assert.Equal(["/a/1.0.0", "/meshsub/1.1.0"], info.Protocols);
        Assert.Equal(Multiaddr.Parse("/ip6/::1/tcp/9"), info.ObservedAddress);
    }
}
