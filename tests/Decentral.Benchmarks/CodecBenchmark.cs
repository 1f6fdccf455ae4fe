using System.Buffers;
using System.Globalization;
using System.Runtime.Intrinsics;
using Decentral.Codecs;
using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Wire;

namespace Decentral.Benchmarks;

/// <summary>
/// Per codec, for one model of n parameters: the codec alone (encode, then decode into a float
/// buffer) and the whole message path a node runs (encode the model, write the message into a
/// pooled writer, decode and validate it from the bytes into pooled buffers, decode the values,
/// release), in MB/s of float32 input against memcpy of the same n floats; and the managed bytes
/// each side allocates per message in steady state. Top-k selection on its own as well.
/// </summary>
internal static class CodecBenchmark
{
    /// <summary>The model-path verb: options, then the tables printed and optionally written to --out.</summary>
    public static int RunVerb(string[] args)
    {
        var parameters = 1_000_000;
        var repeats = 15;
        string[] sections = ["kernels", "codecs"];
        string? outPath = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--parameters":
                    parameters = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--repeats":
                    repeats = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--sections":
                    sections = args[i + 1].Split(',');
                    break;
                case "--out":
                    outPath = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'");
                    return 2;
            }
        }

        var lines = Run(new PairedHarness(repeats), parameters, sections.Contains("kernels"), sections.Contains("codecs")).ToList();
        lines.ForEach(Console.WriteLine);
        if (outPath is not null)
        {
            File.WriteAllLines(outPath, lines);
        }

        return 0;
    }

    public static IEnumerable<string> Run(PairedHarness harness, int parameters, bool kernels, bool codecs)
    {
        var random = new Random(11);
        var start = GaussianData.Gaussian(random, parameters, 0.05f);
        var delta = GaussianData.Gaussian(random, parameters, 0.001f);
        var trained = new ModelVector("bench", [.. start.Zip(delta, (s, d) => s + d)]);
        var modelBase = new ModelBase(7, ModelHash.Of(start));
        var inputBytes = (long)parameters * sizeof(float);
        var copy = new float[parameters];
        var decoded = new float[parameters];
        var memcpy = new BenchCase($"memcpy of {parameters:N0} floats", inputBytes, () => trained.Parameters.CopyTo(copy, 0));

        var settings = new (string Name, ModelCodecOptions Options, bool Delta)[]
        {
            ("fp32 (whole model)", new ModelCodecOptions(), false),
            ("fp16 (whole model)", new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16 }, false),
            ("int8, blocks of 256 (whole model)", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }, false),
            ("fp16 delta", new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16 }, true),
            ("int8 delta", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }, true),
            ("top-k 10% int8 delta", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, TopK = 0.1 }, true),
            ("top-k 1% fp16 delta", new ModelCodecOptions { Quantizer = ModelCodecOptions.Fp16, TopK = 0.01 }, true),
            ("int8 delta + lz4", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, Lossless = ModelCodecOptions.Lz4 }, true),
            ("int8 delta + zstd", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, Lossless = ModelCodecOptions.Zstd }, true),
            ("top-k 10% int8 delta + zstd", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8, TopK = 0.1, Lossless = ModelCodecOptions.Zstd }, true),
            ("int8 delta, heap body (as the simulator encodes)", new ModelCodecOptions { Quantizer = ModelCodecOptions.Int8 }, true),
        };

        var codec = new WireCodec();
        using var writer = new PooledBufferWriter();
        var view = ViewUpdate.Empty(0);
        var codecCases = new List<BenchCase>();
        var pathCases = new List<BenchCase>();
        var sizes = new List<(string Name, int Body, int Wire)>();
        var allocations = new List<(string Name, double Codec, double WireEncode, double WireDecode)>();
        foreach (var (name, options, isDelta) in settings)
        {
            // Pooled bodies, as a node encodes (its driver releases every message once it is serialized).
            var encoder = new ModelEncoder(options, pooledBodies: !name.Contains("heap body", StringComparison.Ordinal));
            EncodedModel Encode() => isDelta ? encoder.EncodeDelta(trained, start, modelBase) : encoder.EncodeWhole(trained);
            void EncodeAndDecode()
            {
                var model = Encode();
                model.DecodeInto(decoded);
                model.Release();
            }

            codecCases.Add(new BenchCase(name, inputBytes, EncodeAndDecode));

            // The receiving side alone, for its allocations: decode the same bytes over and over.
            var sample = Encode();
            sizes.Add((name, sample.BodyLength, sample.WireBodyLength));
            var message = new TrainedModel(8, sample, 10, view);
            var bytes = new byte[codec.EncodedSize(message)];
            var fixedWriter = new ArrayBufferWriter<byte>(bytes.Length);
            codec.Encode(message, fixedWriter);
            fixedWriter.WrittenSpan.CopyTo(bytes);
            void Receive(ReadOnlyMemory<byte> wire)
            {
                var result = codec.Decode(wire);
                var model = ((TrainedModel)result.Message!).Model;
                model.DecodeInto(decoded);
                model.Release();
            }

            pathCases.Add(new BenchCase(name, inputBytes, () =>
            {
                writer.Clear();
                var outgoing = new TrainedModel(8, Encode(), 10, view);
                writer.EnsureCapacity(codec.EncodedSize(outgoing));
                codec.Encode(outgoing, writer);
                outgoing.Release();
                Receive(writer.WrittenMemory);
            }));
            void WireEncode()
            {
                writer.Clear();
                writer.EnsureCapacity(codec.EncodedSize(message));
                codec.Encode(message, writer);
            }

            allocations.Add((name, Allocated(EncodeAndDecode), Allocated(WireEncode), Allocated(() => Receive(bytes))));
        }

        if (kernels)
        {
            foreach (var line in Kernels(harness, delta, memcpy))
            {
                yield return line;
            }
        }

        if (!codecs)
        {
            yield break;
        }

        yield return string.Create(CultureInfo.InvariantCulture, $"Codecs as the protocol uses them: one model of {parameters:N0} float32 parameters (weights N(0, 0.05), deltas N(0, 0.001)); throughput in MB/s of float32 input ({inputBytes / 1e6:F1} MB per call).");
        yield return "";
        yield return "| codec | body bytes (of fp32 4 B/param) | on the wire | codec encode+decode MB/s | ratio to memcpy (min-max) | message path MB/s | ratio to memcpy (min-max) | allocated per codec encode + decode | per message written | per message read |";
        yield return "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
        var codecRows = harness.Run(memcpy, codecCases);
        var pathRows = harness.Run(memcpy, pathCases);
        yield return string.Create(CultureInfo.InvariantCulture, $"| {codecRows[0].Name} (reference) | | | {codecRows[0].MegabytesPerSecond:F0} | 1.00 | {pathRows[0].MegabytesPerSecond:F0} | 1.00 | | | |");
        for (var i = 0; i < settings.Length; i++)
        {
            var c = codecRows[i + 1];
            var p = pathRows[i + 1];
            var (_, body, wire) = sizes[i];
            var (_, codecBytes, written, read) = allocations[i];
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {settings[i].Name} | {body:N0} ({body / (double)inputBytes:P1}) | {wire:N0} | {c.MegabytesPerSecond:F0} | {c.RatioToReference:F2} ({c.MinRatio:F2}-{c.MaxRatio:F2}) | {p.MegabytesPerSecond:F0} | {p.RatioToReference:F2} ({p.MinRatio:F2}-{p.MaxRatio:F2}) | {codecBytes:N0} B | {written:N0} B | {read:N0} B |");
        }

        yield return "";
    }

    // The codec kernels alone, into buffers allocated once: what a quantizer costs per byte of input.
    private static IEnumerable<string> Kernels(PairedHarness harness, float[] values, BenchCase memcpy)
    {
        var n = values.Length;
        var bytes = (long)n * sizeof(float);
        var halves = new byte[n * 2];
        var scales = new byte[Int8Blocks.ScaleCount(n, 256) * sizeof(float)];
        var quantized = new byte[n];
        var decoded = new float[n];
        var indices = new int[n];
        var cases = new List<BenchCase>
        {
            new(Float16Instructions.IsAvailable
                ? "fp16 encode + decode (the conversion instructions vcvtps2ph, vcvtph2ps through the native helper; ties to even, saturating)"
                : "fp16 encode + decode (integer conversion, ties to even, saturating)", bytes, () =>
            {
                Float16Values.Encode(values, halves);
                Float16Values.Decode(halves, decoded);
            }),
            new("int8 encode + decode, blocks of 256 (scale, round, narrow; widen, scale)", bytes, () =>
            {
                Int8Blocks.Encode(values, 256, scales, quantized);
                Int8Blocks.Decode(scales, quantized, 256, decoded);
            }),
            new("fp16 encode alone", bytes, () => Float16Values.Encode(values, halves)),
            new("fp16 decode alone", bytes, () => Float16Values.Decode(halves, decoded)),
            new("int8 encode alone", bytes, () => Int8Blocks.Encode(values, 256, scales, quantized)),
            new("int8 decode alone", bytes, () => Int8Blocks.Decode(scales, quantized, 256, decoded)),
        };

        // The managed kernels for comparison where the instructions convert fp16.
        if (Float16Instructions.IsAvailable)
        {
            cases.Insert(1, new($"fp16 encode + decode on the managed {VectorPaths.Best} path: integer conversion (for comparison)", bytes, () =>
            {
                Float16Values.Encode(values, halves, VectorPaths.Best);
                Float16Values.Decode(halves, decoded, VectorPaths.Best);
            }));
        }

        // The 256-bit path for comparison when the best one is wider; the bounds use 512-bit vectors.
        if (VectorPaths.Best == VectorPath.Avx512 && VectorPaths.IsSupported(VectorPath.Avx2))
        {
            cases.InsertRange(cases.Count - 4, new BenchCase[]
            {
                new("fp16 encode + decode on the 256-bit AVX2 path (for comparison)", bytes, () =>
                {
                    Float16Values.Encode(values, halves, VectorPath.Avx2);
                    Float16Values.Decode(halves, decoded, VectorPath.Avx2);
                }),
                new("int8 encode + decode on the 256-bit AVX2 path (for comparison)", bytes, () =>
                {
                    Int8Blocks.Encode(values, 256, scales, quantized, VectorPath.Avx2);
                    Int8Blocks.Decode(scales, quantized, 256, decoded, VectorPath.Avx2);
                }),
            });
        }

        if (Vector512.IsHardwareAccelerated)
        {
            cases.InsertRange(cases.Count - 4, new BenchCase[]
            {
                new("bound for fp16: the same bytes moved without converting (4 B read, 2 B written; 2 B read, 4 B written)", bytes, () =>
                {
                    MemoryBound.Narrow(values, halves);
                    MemoryBound.Widen(halves, decoded);
                }),
                new("bound for int8: the same bytes moved without converting (4 B read, 1 B written; 1 B read, 4 B written)", bytes, () =>
                {
                    MemoryBound.NarrowToBytes(values, quantized);
                    MemoryBound.WidenBytes(quantized, decoded);
                }),
            });
        }

        cases.InsertRange(cases.Count - 4, new BenchCase[]
        {
            new($"a fresh heap body of {n * 2:N0} bytes (an fp16 encode's result), allocated and written once", bytes, () => MemoryBound.FreshBody(n * 2)),
            new($"a fresh heap body of {n + scales.Length + 4:N0} bytes (an int8 encode's result), allocated and written once", bytes, () => MemoryBound.FreshBody(n + scales.Length + 4)),
        });
        cases.AddRange(new[] { 0.1, 0.01, 0.001 }.Select(f =>
            new BenchCase($"top-k selection, k = {f:P1} (radix select on magnitude bits)", bytes, () => TopKSelector.Select(values, (int)Math.Ceiling(f * n), indices))));
        var rows = harness.Run(memcpy, cases);
        yield return "Codec kernels alone, into buffers allocated once (what quantizing costs per byte of float32 input):";
        yield return "";
        yield return "| operation | MB/s of float32 input (median) | ratio to memcpy (median, min-max) | bytes allocated per call |";
        yield return "|---|---:|---:|---:|";
        foreach (var row in rows)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"| {row.Name} | {row.MegabytesPerSecond:F0} | {row.RatioToReference:F2} ({row.MinRatio:F2}-{row.MaxRatio:F2}) | {row.BytesAllocatedPerCall:F0} |");
        }

        yield return "";
    }

    // Managed bytes one call allocates once warm (median of 5 batches of 20 calls).
    private static double Allocated(Action call)
    {
        for (var i = 0; i < 50; i++)
        {
            call();
        }

        var batches = new List<double>();
        for (var b = 0; b < 5; b++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 20; i++)
            {
                call();
            }

            batches.Add((GC.GetAllocatedBytesForCurrentThread() - before) / 20.0);
        }

        return batches.Order().ElementAt(2);
    }
}
