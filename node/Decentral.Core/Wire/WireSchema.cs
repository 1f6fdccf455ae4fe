namespace Decentral.Wire;

/// <summary>
/// The MessagePack layout of format version 1. Every structure is an array whose positions are
/// its explicit integer keys; the field order below is the wire format and must never change
/// within a version (add fields only with a new <see cref="FormatVersion"/>).
/// <code>
/// envelope        = [version, kind, body]
/// Ping, Pong      = [nonce, roundEstimate, membershipIndex]
/// TrainedModel    = [round, model, sampleCount, view]
/// AggregatedModel = [round, model, view]
/// Ack             = [round, success]
/// Advert          = [record]
/// ViewRequest     = [membershipDigest]
/// ViewSnapshot    = [view]
/// model           = [layoutId (str), samplesTrained, parameters (bin: little-endian float32)]
/// view            = [membershipDigest, isFull, [record, ...]]
/// record          = [peerId (bin: 38 bytes), lastActiveRound, membershipIndex, status]
/// </code>
/// Integers use MessagePack's most compact encoding.
/// </summary>
internal static class WireSchema
{
    /// <summary>The format version this codec writes and the only one it reads.</summary>
    public const int FormatVersion = 1;

    public const int EnvelopeFields = 3;
    public const int PingFields = 3;
    public const int TrainedModelFields = 4;
    public const int AggregatedModelFields = 3;
    public const int AckFields = 2;
    public const int AdvertFields = 1;
    public const int ViewRequestFields = 1;
    public const int ViewSnapshotFields = 1;
    public const int ModelFields = 3;
    public const int ViewFields = 3;
    public const int RecordFields = 4;

    /// <summary>
    /// The fewest bytes one record can occupy (fixarray, bin8 header + 38 id bytes, three
    /// one-byte integers); bounds a record count by the bytes actually present before any
    /// allocation.
    /// </summary>
    public const int MinRecordBytes = 1 + 2 + Identity.PeerId.EncodedLength + 1 + 1 + 1;
}
