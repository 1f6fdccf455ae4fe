using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Decentral.Wire;

namespace Decentral.Codecs;

/// <summary>
/// Turns encoded bodies back into floats. Bodies reaching here were made by <see cref="ModelEncoder"/>
/// or passed <see cref="ModelBody.TryParse"/> with validation in the wire decoder, so a failure
/// here is a bug and throws.
/// </summary>
internal static class ModelDecoder
{
    /// <summary>Writes the encoded values densely (zeros where a sparse body has no entry).</summary>
    public static void Decode(EncodedModel model, Span<float> destination)
    {
        if (model.Encoding == ModelEncoding.Float32)
        {
            model.Floats.CopyTo(destination);
            return;
        }

        var body = Parse(model);
        if (!ModelBody.IsSparse(model.Encoding))
        {
            DecodeValues(model.Encoding, body, destination);
            return;
        }

        destination.Clear();
        Scatter(model, body, destination);
    }

    /// <summary>Writes <paramref name="baseParameters"/> plus the delta into <paramref name="destination"/>.</summary>
    public static void AddTo(EncodedModel delta, ReadOnlySpan<float> baseParameters, Span<float> destination)
    {
        if (delta.Encoding == ModelEncoding.Float32)
        {
            TensorPrimitives.Add(baseParameters, delta.Floats, destination);
            return;
        }

        var body = Parse(delta);
        if (!ModelBody.IsSparse(delta.Encoding))
        {
            DecodeValues(delta.Encoding, body, destination);
            TensorPrimitives.Add(baseParameters, destination, destination);
            return;
        }

        if (!destination.Overlaps(baseParameters))
        {
            baseParameters.CopyTo(destination);
        }

        Scatter(delta, body, destination);
    }

    private static ModelBody Parse(EncodedModel model) =>
        ModelBody.TryParse(model.Encoding, model.Length, model.Body, validate: false, out var body, out var error, out var detail)
            ? body
            : throw new InvalidOperationException($"A {model.CodecName} body that should be valid is not: {error}: {detail}.");

    private static void DecodeValues(ModelEncoding encoding, ModelBody body, Span<float> destination)
    {
        switch (encoding)
        {
            case ModelEncoding.Float32 or ModelEncoding.SparseFloat32:
                FloatPayload.ReadLittleEndian(body.Values, destination);
                break;
            case ModelEncoding.Float16 or ModelEncoding.SparseFloat16:
                Float16Values.Decode(body.Values, destination);
                break;
            default:
                Int8Blocks.Decode(body.Scales, body.Values, body.BlockSize, destination);
                break;
        }
    }

    // destination[index] += value for every entry of a sparse body (indices checked when it was made or received).
    private static void Scatter(EncodedModel model, ModelBody body, Span<float> destination)
    {
        var values = ArrayPool<float>.Shared.Rent(body.Count);
        var indices = ArrayPool<int>.Shared.Rent(body.Count);
        try
        {
            var entries = values.AsSpan(0, body.Count);
            if (model.Encoding == ModelEncoding.SparseFloat32 && BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(body.Values).CopyTo(entries);
            }
            else
            {
                DecodeValues(model.Encoding, body, entries);
            }

            var at = indices.AsSpan(0, body.Count);
            if (SparseIndices.TryRead(body.Gaps, model.Length, at, out _) != SparseIndices.Problem.None)
            {
                throw new InvalidOperationException("A sparse body that should be valid has bad indices.");
            }

            for (var i = 0; i < at.Length; i++)
            {
                destination[at[i]] += entries[i];
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<int>.Shared.Return(indices);
        }
    }
}
