using Decentral.Codecs;
using Decentral.Learning;

namespace Decentral.Core.Tests.Codecs;

/// <summary>
/// A dense delta is quantized one chunk at a time, straight from the two models: its body must be
/// the bytes of quantizing the whole difference at once, whatever the length and block size.
/// </summary>
public sealed class DenseDeltaTests
{
    public static TheoryData<string, int, string> Settings()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var quantizer in new[] { ModelCodecOptions.Fp32, ModelCodecOptions.Fp16, ModelCodecOptions.Int8 })
        {
            foreach (var blockSize in new[] { 1, 7, 256, 3000, 65_536 })
            {
                foreach (var lossless in new[] { ModelCodecOptions.NoLossless, ModelCodecOptions.Zstd })
                {
                    if (quantizer == ModelCodecOptions.Int8 || blockSize == 256)
                    {
                        data.Add(quantizer, blockSize, lossless);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void EncodeDelta_ChunkedDifference_SameBodyAsTheWholeDifferenceEncoded(string quantizer, int blockSize, string lossless)
    {
        var options = new ModelCodecOptions { Quantizer = quantizer, BlockSize = blockSize, Lossless = lossless };
        var random = new Random(blockSize);
        foreach (var length in new[] { 0, 1, 255, 8191, 8192, 8193, 3 * 8192, 70_001 })
        {
            var start = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var trained = start.Select(s => s + ((float)random.NextDouble() * 0.01f)).ToArray();
            var difference = trained.Zip(start, (t, s) => t - s).ToArray();
            var modelBase = new ModelBase(4, ModelHash.Of(start));

            var delta = new ModelEncoder(options).EncodeDelta(new ModelVector("m", trained), start, modelBase);
            var whole = new ModelEncoder(options).EncodeWhole(new ModelVector("m", difference));

            Assert.Equal(modelBase, delta.Base);
            Assert.Equal(whole.Encoding, delta.Encoding);
            Assert.Equal(whole.Compression, delta.Compression);
            Assert.True(whole.Body.SequenceEqual(delta.Body), $"length {length}: bodies differ");
            Assert.True(whole.WireBody.SequenceEqual(delta.WireBody), $"length {length}: wire bodies differ");
        }
    }
}
