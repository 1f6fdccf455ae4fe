namespace Decentral.Wire;

/// <summary>
/// The MessagePack layout of format version 4. Every structure is an array whose positions are
/// its explicit integer keys; the field order below is the wire format and must never change
/// within a version (add fields only with a new <see cref="FormatVersion"/>).
/// <code>
/// envelope        = [version, kind, body]
/// Ping            = [nonce, roundEstimate, membershipIndex]
/// Pong            = [nonce, roundEstimate, membershipIndex, trainEstimate, sentElsewhere]
/// TrainedModel    = [round, model, sampleCount, view]
/// AggregatedModel = [round, model, view]
/// Ack             = [round, success]
/// Advert          = [record]
/// ViewRequest     = [membershipDigest]
/// ViewSnapshot    = [view]
/// BaseRequest     = [round, hash]
/// BaseReply       = [round, hash, model or nil]
/// model           = [layoutId (str), samplesTrained, length, base, codec, lossless, bodyLength, body (bin)]
/// base            = nil (a whole model) | [round, hash] (a delta of that model)
/// hash            = bin of 16 bytes (SHA-256 of the base's float32 parameters, truncated)
/// view            = [membershipDigest, isFull, [record, ...]]
/// record          = [peerId (bin: 38 bytes), lastActiveRound, membershipIndex, status]
/// </code>
/// <para>codec (ModelEncoding) and lossless (LosslessCompression) are small integers; a receiver
/// rejects ids it does not know. bodyLength is the body's length before the lossless stage; with
/// lossless 0 the bin is the body itself, otherwise an LZ4 block or a Zstandard frame that
/// decompresses to exactly bodyLength bytes (and is shorter than it). Bodies, little-endian:</para>
/// <code>
/// 1 float32        = length x f32
/// 2 float16        = length x f16
/// 3 int8 block     = blockSize (u32), ceil(length / blockSize) x scale (f32), length x q (i8); value = q * scale
/// 4 sparse float32 = count (u32, 1..length), count x f32, count x gap (unsigned LEB128 varint)
/// 5 sparse float16 = count (u32), count x f16, count x gap
/// 6 sparse int8    = count (u32), blockSize (u32), ceil(count / blockSize) x scale (f32), count x q (i8), count x gap
/// </code>
/// <para>Gaps: the first index + 1, then each index minus the one before (so every gap is at
/// least 1 and indices ascend). Sparse bodies only carry deltas; the other entries are zero.</para>
/// Integers use MessagePack's most compact encoding.
/// </summary>
internal static class WireSchema
{
    /// <summary>The format version this codec writes and the only one it reads.</summary>
    public const int FormatVersion = 4;

    public const int EnvelopeFields = 3;
    public const int PingFields = 3;
    public const int PongFields = 5;
    public const int TrainedModelFields = 4;
    public const int AggregatedModelFields = 3;
    public const int AckFields = 2;
    public const int AdvertFields = 1;
    public const int ViewRequestFields = 1;
    public const int ViewSnapshotFields = 1;
    public const int ModelFields = 8;
    public const int BaseFields = 2;
    public const int BaseRequestFields = 2;
    public const int BaseReplyFields = 3;
    public const int ViewFields = 3;
    public const int RecordFields = 4;

    /// <summary>
    /// The fewest bytes one record can occupy (fixarray, bin8 header + 38 id bytes, three
    /// one-byte integers); bounds a record count by the bytes actually present before any
    /// allocation.
    /// </summary>
    public const int MinRecordBytes = 1 + 2 + Identity.PeerId.EncodedLength + 1 + 1 + 1;
}
