using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using FsCheck.Xunit;

namespace Decentral.Libp2p.Tests;

public sealed class MultiformatsTests
{
    [Property]
    public bool Varint_RoundTrips(ulong raw)
    {
        var value = raw >> 1;
        var bytes = Varint.Encode(value);
        return Varint.TryRead(bytes, out var decoded, out var consumed) == VarintStatus.Ok
            && decoded == value && consumed == bytes.Length && bytes.Length == Varint.SizeOf(value);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 }, VarintStatus.NeedMoreData)]
    [InlineData(new byte[] { }, VarintStatus.NeedMoreData)]
    [InlineData(new byte[] { 0x80, 0x00 }, VarintStatus.NotMinimal)]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, VarintStatus.Overflow)]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, VarintStatus.Overflow)]
    public void Varint_MalformedInput_IsRejectedAsValue(byte[] input, VarintStatus expected) =>
        Assert.Equal(expected, Varint.TryRead(input, out _, out _));

    [Fact]
    public void Varint_KnownEncodings_MatchSpec()
    {
        Assert.Equal(new byte[] { 0x01 }, Varint.Encode(1));
        Assert.Equal(new byte[] { 0x7f }, Varint.Encode(127));
        Assert.Equal(new byte[] { 0x80, 0x01 }, Varint.Encode(128));
        Assert.Equal(new byte[] { 0xa5, 0x03 }, Varint.Encode(421));
        Assert.Equal(VarintStatus.Ok, Varint.TryRead([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], out var max, out _));
        Assert.Equal((ulong)long.MaxValue, max);
    }

    [Fact]
    public void Multiaddr_Ip4Tcp_HasSpecBinaryForm()
    {
        var address = Multiaddr.Parse("/ip4/127.0.0.1/tcp/40001");
        Assert.Equal(Convert.FromHexString("047f000001069c41"), address.ToBytes());
        Assert.True(Multiaddr.TryDecode(address.ToBytes(), out var decoded));
        Assert.Equal(address, decoded);
        Assert.Equal("/ip4/127.0.0.1/tcp/40001", decoded.ToString());
    }

    [Theory]
    [InlineData("/ip6/::1/tcp/4001")]
    [InlineData("/dns4/example.com/tcp/443")]
    [InlineData("/dns6/localhost/tcp/1")]
    [InlineData("/dns/node.local/tcp/65535")]
    [InlineData("/ip4/10.0.0.1/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")]
    public void Multiaddr_TextAndBinary_RoundTrip(string text)
    {
        var address = Multiaddr.Parse(text);
        Assert.Equal(text, address.ToString());
        Assert.True(Multiaddr.TryDecode(address.ToBytes(), out var decoded));
        Assert.Equal(address, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ip4/1.2.3.4")]
    [InlineData("/ip4/1.2.3.4/tcp")]
    [InlineData("/ip4/::1/tcp/1")]
    [InlineData("/ip4/1.2.3.4/tcp/70000")]
    [InlineData("/udp/1/quic")]
    [InlineData("/p2p/notapeerid")]
    public void Multiaddr_BadText_IsRejected(string text) => Assert.False(Multiaddr.TryParse(text, out _));

    [Fact]
    public void Multiaddr_BadBinary_IsRejected()
    {
        Assert.False(Multiaddr.TryDecode([0x04, 0x7f, 0x00], out _));
        Assert.False(Multiaddr.TryDecode([0xa5, 0x03, 0x50, 0x00], out _));
        Assert.False(Multiaddr.TryDecode([0x91, 0x02, 0x00, 0x01], out _));
    }

    [Fact]
    public void Multiaddr_PeerIdHelpers_AddAndStrip()
    {
        var peer = PeerId.Parse("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");
        var address = Multiaddr.Parse("/ip4/127.0.0.1/tcp/1").WithPeerId(peer);
        Assert.Equal(peer, address.PeerId);
        Assert.Null(address.WithoutPeerId().PeerId);
        Assert.True(address.TryGetTcpTarget(out var host, out var port, out _));
        Assert.Equal(("127.0.0.1", 1), (host, port));
    }

    [Fact]
    public void PeerId_SeedVector_MatchesLibp2p()
    {
        using var identity = PeerIdentity.FromSeed(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        Assert.Equal("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB", identity.PeerId.ToString());
    }

    [Fact]
    public void PeerId_CidForm_ParsesToSamePeer()
    {
        var peer = PeerId.Parse("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");
        var cid = PeerIdText.ToCid(peer);
        Assert.StartsWith("bafz", cid, StringComparison.Ordinal);
        Assert.True(PeerIdText.TryParse(cid, out var parsed));
        Assert.Equal(peer, parsed);
        Assert.True(PeerIdText.TryParse(peer.ToString(), out parsed));
        Assert.Equal(peer, parsed);
        Assert.False(PeerIdText.TryParse("bafzzzz", out _));
    }

    [Fact]
    public void PublicKeyProtobuf_OnlyEd25519_IsAccepted()
    {
        var peer = PeerId.Parse("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");
        Assert.True(PeerIdText.TryFromPublicKeyProtobuf(peer.PublicKeyProtobuf, out var parsed));
        Assert.Equal(peer, parsed);
        var secp = peer.PublicKeyProtobuf.ToArray();
        secp[1] = 2;
        Assert.False(PeerIdText.TryFromPublicKeyProtobuf(secp, out _));
        Assert.False(PeerIdText.TryFromPublicKeyProtobuf([0x08, 0x01, 0x12, 0x40, 0x00], out _));
    }

    [Fact]
    public void Multihash_Sha256_RoundTrips()
    {
        var hash = Multihash.Sha256Of("abc"u8);
        Assert.Equal(0x12, hash.ToBytes()[0]);
        Assert.True(Multihash.TryDecode(hash.ToBytes(), out var decoded));
        Assert.Equal(hash, decoded);
        Assert.False(Multihash.TryDecode([0x12, 0x02, 0x00, 0x00], out _));
    }
}
