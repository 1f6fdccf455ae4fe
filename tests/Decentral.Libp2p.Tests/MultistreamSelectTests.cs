using System.Buffers;
using Decentral.Libp2p.MultistreamSelect;
using Decentral.Libp2p.Tests.Kit;
using Mss = Decentral.Libp2p.MultistreamSelect.MultistreamSelect;

namespace Decentral.Libp2p.Tests;

public sealed class MultistreamSelectTests
{
    [Fact]
    public void TryParse_PipelinedHeaderAndProposal_ParsesBothFromOneBuffer()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Mss.WriteMessage(buffer, Mss.ProtocolId);
        Mss.WriteMessage(buffer, "/noise");
        var bytes = buffer.WrittenSpan;

        Assert.Equal(LineParseStatus.Ok, Mss.TryParse(bytes, out var first, out var n1));
        Assert.Equal(LineParseStatus.Ok, Mss.TryParse(bytes[n1..], out var second, out var n2));
        Assert.Equal((Mss.ProtocolId, "/noise"), (first, second));
        Assert.Equal(bytes.Length, n1 + n2);
        Assert.Equal(LineParseStatus.NeedMoreData, Mss.TryParse(bytes[..(n1 + 3)][n1..], out _, out _));
    }

    [Fact]
    public void WriteMessage_Na_IsSpecBytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Mss.WriteMessage(buffer, Mss.NotAvailable);
        Assert.Equal(new byte[] { 0x03, 0x6e, 0x61, 0x0a }, buffer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x03, 0x6e, 0x61, 0x62 })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x81, 0x08 })]
    [InlineData(new byte[] { 0x80, 0x00 })]
    [InlineData(new byte[] { 0x03, 0xff, 0xfe, 0x0a })]
    public void TryParse_Malformed_IsInvalid(byte[] input) => Assert.Equal(LineParseStatus.Invalid, Mss.TryParse(input, out _, out _));

    [Fact]
    public async Task Negotiation_UnsupportedThenSupported_ListenerAnswersNaAndKeepsReading()
    {
        await using var pair = await SocketPair.CreateAsync();
        var listener = Mss.ListenAsync(pair.Server, p => p == "/b/1.0.0", Bounded.Token());
        var dialer = await Mss.SelectAsync(pair.Client, ["/a/1.0.0", "/b/1.0.0"], Bounded.Token()).Within();

        Assert.Equal(new NegotiationResult(NegotiationStatus.Agreed, "/b/1.0.0", null), dialer);
        Assert.Equal("/b/1.0.0", (await listener.Within()).Protocol);
    }

    [Fact]
    public async Task Negotiation_NothingSupported_DialerGetsNotSupported()
    {
        await using var pair = await SocketPair.CreateAsync();
        var listener = Mss.ListenAsync(pair.Server, _ => false, Bounded.Token());
        var dialer = await Mss.SelectAsync(pair.Client, ["/a/1.0.0", "/b/1.0.0"], Bounded.Token()).Within();

        Assert.Equal(NegotiationStatus.NotSupported, dialer.Status);
        pair.Client.Close();
        Assert.Equal(NegotiationStatus.EndOfStream, (await listener.Within()).Status);
    }

    [Fact]
    public async Task Listener_LineOverCap_IsProtocolError()
    {
        await using var pair = await SocketPair.CreateAsync();
        var listener = Mss.ListenAsync(pair.Server, _ => true, Bounded.Token());
        var buffer = new ArrayBufferWriter<byte>();
        Mss.WriteMessage(buffer, Mss.ProtocolId);
        await pair.Client.WriteAsync(buffer.WrittenMemory);
        await pair.Client.WriteAsync(Decentral.Libp2p.Multiformats.Varint.Encode(2000));
        await pair.Client.WriteAsync(new byte[2000]);

        var result = await listener.Within();
        Assert.Equal(NegotiationStatus.ProtocolError, result.Status);
        Assert.Contains("cap", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listener_MalformedVarint_IsProtocolError()
    {
        await using var pair = await SocketPair.CreateAsync();
        var listener = Mss.ListenAsync(pair.Server, _ => true, Bounded.Token());
        await pair.Client.WriteAsync(Enumerable.Repeat((byte)0xff, 12).ToArray());

        Assert.Equal(NegotiationStatus.ProtocolError, (await listener.Within()).Status);
    }

    [Fact]
    public async Task Listener_WrongHeader_IsProtocolError()
    {
        await using var pair = await SocketPair.CreateAsync();
        var listener = Mss.ListenAsync(pair.Server, _ => true, Bounded.Token());
        var buffer = new ArrayBufferWriter<byte>();
        Mss.WriteMessage(buffer, "/multistream/2.0.0");
        await pair.Client.WriteAsync(buffer.WrittenMemory);

        Assert.Equal(NegotiationStatus.ProtocolError, (await listener.Within()).Status);
    }
}
