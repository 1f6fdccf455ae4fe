using System.Buffers;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Multiformats;
using Microsoft.Extensions.Time.Testing;
using Mss = Decentral.Libp2p.MultistreamSelect.MultistreamSelect;

namespace Decentral.Fuzz.Targets;

/// <summary>Protocols read from a stream: multistream-select and the model-transfer framing.</summary>
internal static class StreamTargets
{
    private static readonly ModelTransferOptions TransferLimits = new() { MaxHeaderBytes = 1024, MaxBodyBytes = 64 * 1024, ChunkBytes = 1024 };

    public static FuzzTarget Multistream { get; } = new("multistream", "multistream-select 1.0 (listener and dialer)", RunMultistream, MultistreamSeeds);

    public static FuzzTarget ModelTransfer { get; } = new("model-transfer", "/decentral/model/1.0.0 request and response framing", RunModelTransfer, ModelTransferSeeds);

    private static void RunMultistream(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var mode = fuzz.Byte();
        var chunks = fuzz.Byte();
        var stream = new ScriptedDuplex(fuzz.Rest(), chunks);
        Mss.TryParse(input, out _, out _);

        // The host's callers treat IOException and InvalidDataException as a failed negotiation.
        try
        {
            FuzzTargets.Await(mode % 2 == 0
                ? Mss.ListenAsync(stream, p => p is "/noise" or "/yamux/1.0.0", CancellationToken.None)
                : Mss.SelectAsync(stream, ["/meshsub/1.1.0", "/meshsub/1.0.0"], CancellationToken.None));
        }
        catch (AggregateException e) when (e.InnerException is IOException or InvalidDataException)
        {
        }
    }

    private static IEnumerable<byte[]> MultistreamSeeds()
    {
        var transcript = new ArrayBufferWriter<byte>();
        Mss.WriteMessage(transcript, Mss.ProtocolId);
        Mss.WriteMessage(transcript, "/tls/1.0.0");
        Mss.WriteMessage(transcript, "/noise");
        yield return [0, 0, .. transcript.WrittenSpan];
        var answers = new ArrayBufferWriter<byte>();
        Mss.WriteMessage(answers, Mss.ProtocolId);
        Mss.WriteMessage(answers, "na");
        Mss.WriteMessage(answers, "/meshsub/1.0.0");
        yield return [1, 3, .. answers.WrittenSpan];
    }

    private static void RunModelTransfer(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var server = fuzz.Byte() % 2 == 0;
        var chunks = fuzz.Byte();
        var stream = new ScriptedDuplex(fuzz.Rest(), chunks);
        var time = new FakeTimeProvider();

        // Both sides return every expected failure as a TransferResult; nothing may escape.
        FuzzTargets.Await(server
            ? ModelTransferProtocol.ServeAsync(stream, Peer, async (_, request, ct) =>
            {
                await request.Body.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
                return new ModelResponse(TransferStatus.Ok, new MemoryStream([1, 2, 3]), 3);
            }, TransferLimits, time, CancellationToken.None)
            : ModelTransferProtocol.RequestAsync(stream, "model"u8.ToArray(), new MemoryStream(new byte[100]), 100, Stream.Null, TransferLimits, time, CancellationToken.None));
    }

    private static IEnumerable<byte[]> ModelTransferSeeds()
    {
        byte[] request = [.. Varint.Encode(5), .. "model"u8, .. Varint.Encode(4), 1, 2, 3, 4];
        yield return [0, 0, .. request];
        yield return [1, 0, 0, .. Varint.Encode(3), 7, 8, 9];
        yield return [1, 3, (byte)TransferStatus.NotFound, 0];
    }

    private static PeerId Peer { get; } = PeerIdentity.FromSeed(new byte[32]).PeerId;
}
