namespace Decentral.Codecs;

/// <summary>
/// How models travel, chosen per run (scenario <c>protocol.codec</c>, node configuration
/// <c>Protocol:Codec</c>): a quantizer for the values, optional top-k sparsification of trained
/// deltas, and an optional lossless stage. With the defaults (fp32, no top-k, no lossless stage)
/// every model message carries a whole float32 model, as the reference implementation does.
/// </summary>
/// <remarks>
/// Any other setting makes trainers send deltas (trained minus the model they started from,
/// named by its round and hash) and aggregators send the aggregate through the same quantizer
/// and lossless stage, without top-k and without error feedback (a whole model: its receivers,
/// the next sample, mostly do not hold the previous round's model). Top-k keeps the residual of
/// what it did not send at the trainer and adds it to the next delta (error feedback).
/// </remarks>
public sealed class ModelCodecOptions
{
    /// <summary>Quantizer name: float32 values as they are.</summary>
    public const string Fp32 = "fp32";

    /// <summary>Quantizer name: IEEE half precision.</summary>
    public const string Fp16 = "fp16";

    /// <summary>Quantizer name: signed bytes with one float32 scale per block of <see cref="BlockSize"/> values.</summary>
    public const string Int8 = "int8";

    /// <summary>Lossless stage name: none.</summary>
    public const string NoLossless = "none";

    /// <summary>Lossless stage name: LZ4 (K4os.Compression.LZ4, fast level).</summary>
    public const string Lz4 = "lz4";

    /// <summary>Lossless stage name: Zstandard (ZstdSharp, level <see cref="LosslessStage.ZstdLevel"/>).</summary>
    public const string Zstd = "zstd";

    /// <summary>The largest int8 block length (the scale overhead is already below 0.1% at 4096).</summary>
    public const int MaxBlockSize = 65_536;

    /// <summary>How values are quantized: "fp32" (default), "fp16" or "int8".</summary>
    public string Quantizer { get; set; } = Fp32;

    /// <summary>Values per int8 block, each block with its own scale (absolute maximum / 127). Default 256.</summary>
    public int BlockSize { get; set; } = 256;

    /// <summary>
    /// Fraction of a trained delta's entries sent, the largest in magnitude (with error feedback);
    /// 0 = dense (default). In (0, 1]: k = ceil(TopK × parameters), at least 1.
    /// </summary>
    public double TopK { get; set; }

    /// <summary>
    /// Lossless stage over the encoded body: "none" (default), "lz4" or "zstd". Applied per message
    /// only when it makes the body smaller (the message says whether it was).
    /// </summary>
    public string Lossless { get; set; } = NoLossless;

    /// <summary>True when trainers send deltas (any setting other than plain fp32).</summary>
    public bool UsesDeltas => Quantizer != Fp32 || TopK > 0 || Lossless != NoLossless;

    /// <summary>A short name of the setting for reports: "fp32", "int8", "topk0.1-int8+zstd".</summary>
    public string Name => $"{(TopK > 0 ? FormattableString.Invariant($"topk{TopK}-") : "")}{Quantizer}{(Lossless == NoLossless ? "" : "+" + Lossless)}";

    /// <summary>Every problem with these options, empty when valid; each starts with the property's name ("Quantizer must be ...").</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Quantizer is not (Fp32 or Fp16 or Int8))
        {
            errors.Add($"{nameof(Quantizer)} must be fp32, fp16 or int8 (got \"{Quantizer}\").");
        }

        if (BlockSize is < 1 or > MaxBlockSize)
        {
            errors.Add($"{nameof(BlockSize)} must be between 1 and {MaxBlockSize} (got {BlockSize}).");
        }

        if (!(TopK >= 0 && TopK <= 1))
        {
            errors.Add($"{nameof(TopK)} must be 0 (dense) or a fraction in (0, 1] (got {TopK}).");
        }

        if (Lossless is not (NoLossless or Lz4 or Zstd))
        {
            errors.Add($"{nameof(Lossless)} must be none, lz4 or zstd (got \"{Lossless}\").");
        }

        return errors;
    }

    /// <summary>The number of entries top-k sends for a model of <paramref name="parameters"/> parameters.</summary>
    public int TopKCount(int parameters) => parameters == 0 ? 0 : (int)Math.Clamp(Math.Ceiling(TopK * parameters), 1, parameters);
}
