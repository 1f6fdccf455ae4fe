using Decentral.Identity;
using Decentral.Libp2p.Identify;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Records;

namespace Decentral.Fuzz.Targets;

/// <summary>Identify messages and signed peer records (RFC 0002 envelopes, RFC 0003 records).</summary>
internal static class IdentifyTargets
{
    private static readonly PeerIdentity Signer = PeerIdentity.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray());

    public static FuzzTarget Identify { get; } = new("identify", "identify protobuf (with its signed peer record)", RunIdentify, IdentifySeeds);

    public static FuzzTarget PeerRecord { get; } = new("peer-record", "signed envelope and peer record payload", RunPeerRecord, PeerRecordSeeds);

    private static void RunIdentify(byte[] input) => IdentifyProtocol.TryDecode(input, out _);

    /// <summary>Mode 0: the input is an envelope. Mode 1: the input is a record payload, sealed with a valid signature so the payload parser is reached.</summary>
    private static void RunPeerRecord(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var sealedPayload = fuzz.Byte() % 2 == 1;
        var rest = fuzz.Rest();
        var envelope = sealedPayload ? SignedEnvelope.Seal(Signer, PeerRoutingRecord.Domain, PeerRoutingRecord.PayloadType, rest).Encoded.ToArray() : rest;
        if (PeerRoutingRecord.TryDecode(envelope, out var record, out _) && record.Peer != record.Envelope.Signer)
        {
            throw new FuzzOracleException($"a record of {record.Peer} signed by {record.Envelope.Signer} was accepted");
        }
    }

    private static IEnumerable<byte[]> IdentifySeeds()
    {
        var record = PeerRoutingRecord.Create(Signer, 7, [Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001")]);
        yield return IdentifyProtocol.Encode(Signer.PeerId, "ipfs/0.1.0", "decentral/1.0", [Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001")],
            ["/ipfs/id/1.0.0", "/meshsub/1.1.0"], Multiaddr.Parse("/ip4/10.0.0.2/tcp/5000"), record);
        yield return IdentifyProtocol.Encode(Signer.PeerId, "p", "a", [], [], null);
    }

    private static IEnumerable<byte[]> PeerRecordSeeds()
    {
        var record = PeerRoutingRecord.Create(Signer, 7, [Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001"), Multiaddr.Parse("/ip6/::1/tcp/4002")]);
        yield return [0, .. record.Envelope.Encoded.Span];
        yield return [1, .. record.Envelope.Payload.Span];
    }
}
