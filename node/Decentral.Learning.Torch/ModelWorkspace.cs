using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// A model instance with its SGD momentum buffers and batch staging arrays. Trainers only rent
/// it from a <see cref="ModelPool{TModel}"/> for the duration of a Train call (the parameters are
/// overwritten from the start vector each time), so memory grows with the trainings that run at
/// once, not with simulated nodes.
/// </summary>
internal sealed class ModelWorkspace<TModel> : IDisposable
    where TModel : nn.Module
{
    private readonly Tensor[] momentum;

    /// <summary>Wraps <paramref name="model"/>; the workspace owns and disposes it.</summary>
    public ModelWorkspace(TModel model)
    {
        Model = model;
        Flat = new FlatParameters(model);
        momentum = Flat.Tensors.Select(p => zeros_like(p)).ToArray();
    }

    /// <summary>The model.</summary>
    public TModel Model { get; }

    /// <summary>Flat view of the model's parameters.</summary>
    public FlatParameters Flat { get; }

    /// <summary>Staging for float batch inputs.</summary>
    public float[] Floats { get; private set; } = [];

    /// <summary>Staging for integer batch inputs (labels, ids).</summary>
    public long[] Longs { get; private set; } = [];

    /// <summary>Second integer staging array (item ids next to user ids).</summary>
    public long[] MoreLongs { get; private set; } = [];

    /// <summary>Grows the staging arrays to at least the given sizes.</summary>
    public void EnsureStaging(int floats, int longs)
    {
        if (Floats.Length < floats)
        {
            Floats = new float[floats];
        }

        if (Longs.Length < longs)
        {
            Longs = new long[longs];
            MoreLongs = new long[longs];
        }
    }

    /// <summary>Clears momentum so that a Train call depends only on its inputs.</summary>
    public void ResetMomentum()
    {
        foreach (var buffer in momentum)
        {
            buffer.zero_();
        }
    }

    /// <summary>
    /// One SGD step with heavy-ball momentum, the same update as torch.optim.SGD without
    /// dampening or Nesterov (its first step sets the buffer to the gradient, which is what a
    /// zeroed buffer gives here). Hand-written so the buffers can be reused across calls.
    /// </summary>
    /// <remarks>
    /// The step size, momentum factor and alpha 1 are explicit Scalars disposed after the loop: implicit
    /// double-to-Scalar conversions pass only a native handle to libtorch, and the garbage
    /// collector may free such a temporary Scalar while the native call still reads it.
    /// </remarks>
    public void Step(double learningRate, double momentumFactor)
    {
        using var noGrad = no_grad();
        using var factor = momentumFactor.ToScalar();
        using var step = (-learningRate).ToScalar();
        using var one = 1.0.ToScalar();
        for (int i = 0; i < momentum.Length; i++)
        {
            var parameter = Flat.Tensors[i];
            using var grad = parameter.grad;
            if (grad is null)
            {
                continue;
            }

            if (momentumFactor > 0)
            {
                momentum[i].mul_(factor).add_(grad, one);
                parameter.add_(momentum[i], step);
            }
            else
            {
                parameter.add_(grad, step);
            }
        }
    }

    /// <summary>A float32 tensor of <paramref name="shape"/> holding a copy of <paramref name="values"/>.</summary>
    public static Tensor FloatTensor(ReadOnlySpan<float> values, params long[] shape)
    {
        var tensor = empty(shape, ScalarType.Float32);
        tensor.bytes = FlatParameters.SourceBytes(values);
        return tensor;
    }

    /// <summary>An int64 tensor of shape [n] holding a copy of <paramref name="values"/>.</summary>
    public static Tensor LongTensor(ReadOnlySpan<long> values)
    {
        var tensor = empty([values.Length], ScalarType.Int64);
        tensor.bytes = FlatParameters.SourceBytes(values);
        return tensor;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var buffer in momentum)
        {
            buffer.Dispose();
        }

        Model.Dispose();
    }
}
