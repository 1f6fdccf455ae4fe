using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Views a module's parameters as one flat float vector in registration order. Copies go
/// through <see cref="Tensor.bytes"/> (one memcpy per tensor): element accessors are about 60x
/// slower and parameters_to_vector about 50x.
/// </summary>
internal sealed class FlatParameters
{
    private readonly TorchSharp.Modules.Parameter[] parameters;
    private readonly int[] lengths;

    /// <summary>Binds to the parameters of <paramref name="module"/>; they must be float32 on the CPU.</summary>
    public FlatParameters(nn.Module module)
    {
        var named = module.named_parameters().ToArray();
        Names = named.Select(n => n.name).ToArray();
        parameters = named.Select(n => n.parameter).ToArray();
        lengths = new int[parameters.Length];
        long total = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].dtype != ScalarType.Float32 || !parameters[i].is_contiguous())
            {
                throw new InvalidOperationException("Only contiguous float32 parameters can be flattened.");
            }

            lengths[i] = checked((int)parameters[i].numel());
            total += lengths[i];
        }

        Count = checked((int)total);
        Shapes = parameters.Select(p => p.shape).ToArray();
    }

    /// <summary>Total number of floats.</summary>
    public int Count { get; }

    /// <summary>The parameter names (e.g. "conv1.weight") in flat order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The parameter shapes in flat order.</summary>
    public IReadOnlyList<long[]> Shapes { get; }

    /// <summary>The bound parameter tensors in flat order.</summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> Tensors => parameters;

    /// <summary>Copies the parameters into <paramref name="destination"/>.</summary>
    public void Read(Span<float> destination)
    {
        CheckLength(destination.Length);
        int offset = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            MemoryMarshal.Cast<byte, float>(parameters[i].bytes).CopyTo(destination.Slice(offset, lengths[i]));
            offset += lengths[i];
        }
    }

    /// <summary>Overwrites the parameters with <paramref name="source"/>.</summary>
    public void Write(ReadOnlySpan<float> source)
    {
        CheckLength(source.Length);
        using var noGrad = no_grad();
        int offset = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i].bytes = SourceBytes(source.Slice(offset, lengths[i]));
            offset += lengths[i];
        }
    }

    /// <summary>
    /// The bytes of <paramref name="values"/> typed as the Span that the Tensor.bytes setter
    /// takes. The setter only copies from it, so the read-only source is never written.
    /// </summary>
    public static Span<byte> SourceBytes<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
    }

    private void CheckLength(int length)
    {
        if (length != Count)
        {
            throw new ArgumentException($"Expected {Count} parameters, got {length}.");
        }
    }
}
