using System.Text;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Noise;

namespace Decentral.Libp2p.Tests;

/// <summary>Inputs that scripts/fuzz.sh or the seeded tier found breaking a decoder, each kept as a test.</summary>
public sealed class FuzzRegressionTests
{
    [Theory]
    [InlineData("/ip4/10.0.0.1/tcp/1/p2p/12\u00ff\u00ffD3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")]
    [InlineData("/p2p/12D3Koo\u00e9WA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")]
    public void Multiaddr_PeerIdWithNonAsciiCharacters_IsRejectedNotThrown(string text)
    {
        // SimpleBase indexed its 128-entry base58 table by character: IndexOutOfRangeException.
        Assert.False(Multiaddr.TryParse(text, out _));
        Assert.False(PeerId.TryParse(text.Split('/')[^1], out _));
    }

    [Theory]
    [InlineData("003600")]
    [InlineData("00360b6878a96d40000040ffff41")]
    [InlineData("000440069500360b6578616d6f5f6706019c41")]
    [InlineData("003603009c62069c41")]
    [InlineData("00360b6579616d8f6c652f6f10000601bb")]
    [InlineData("00a50303001248")]
    [InlineData("002900000000000000000000000000000001060fa1a503260070dd18e74bc09967c5d6309ba51d240801122003a107bff3ce10be0d5f1ddc8664125531b8")]
    public void Multiaddr_BinaryWithoutTextForm_IsRejected(string hex)
    {
        // Empty or non-UTF-8 DNS names and /p2p values that are no peer id used to decode, then
        // print as text that did not parse back (the fuzz target's round-trip oracle).
        var bytes = Convert.FromHexString(hex)[1..];
        if (Multiaddr.TryDecode(bytes, out var decoded))
        {
            Assert.True(Multiaddr.TryParse(decoded.ToString(), out var again), decoded.ToString());
            Assert.Equal(decoded, again);
        }
    }

    [Fact]
    public void Multiaddr_DnsNameWithSlashOrBadUtf8_IsRejectedInBothForms()
    {
        Assert.False(Multiaddr.TryDecode([0x36, 0x03, (byte)'a', (byte)'/', (byte)'b'], out _));
        Assert.False(Multiaddr.TryDecode([0x36, 0x02, 0xc3, 0x28], out _));
        Assert.False(Multiaddr.TryDecode([0x36, 0x00], out _));
        Assert.True(Multiaddr.TryParse("/dns4/exämple.org/tcp/443", out var unicode));
        Assert.True(Multiaddr.TryDecode(unicode.ToBytes(), out var decoded));
        Assert.Equal(unicode, decoded);
    }

    [Fact]
    public void HandshakePayload_MuxerNameOverTheDecodersCap_IsRefusedByTheEncoderToo()
    {
        // The decoder caps names at 1024 bytes; the encoder used to write longer ones (found by the
        // handshake target's honest-initiator oracle).
        var tooLong = new HandshakePayload(new byte[36], new byte[64], [new string('m', HandshakePayload.MaxMuxerNameBytes + 1)]);
        Assert.Throws<ArgumentException>(() => tooLong.Encode());
        var atCap = new HandshakePayload(new byte[36], new byte[64], [new string('m', HandshakePayload.MaxMuxerNameBytes)]);
        Assert.True(HandshakePayload.TryDecode(atCap.Encode(), out var decoded));
        Assert.Equal(HandshakePayload.MaxMuxerNameBytes, Encoding.UTF8.GetByteCount(decoded.StreamMuxers[0]));
    }
}
