using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// A single model guarded by a lock, for evaluation: a task may be asked to evaluate from
/// several threads, and a torch module must not be used by two at once.
/// </summary>
internal sealed class ExclusiveModel<TModel> : IDisposable
    where TModel : nn.Module
{
    private readonly Lock gate = new();
    private readonly ModelWorkspace<TModel> workspace;

    /// <summary>Builds the model after making sure libtorch is loaded.</summary>
    public ExclusiveModel(Func<TModel> create)
    {
        TorchRuntime.EnsureInitialized();
        workspace = new ModelWorkspace<TModel>(create());
    }

    /// <summary>Parameter names in flat order.</summary>
    public IReadOnlyList<string> Names => workspace.Flat.Names;

    /// <summary>Parameter shapes in flat order.</summary>
    public IReadOnlyList<long[]> Shapes => workspace.Flat.Shapes;

    /// <summary>Number of float parameters.</summary>
    public int ParameterCount => workspace.Flat.Count;

    /// <summary>Loads <paramref name="parameters"/> and runs <paramref name="evaluate"/> in eval mode without gradients.</summary>
    public TResult Evaluate<TResult>(ReadOnlySpan<float> parameters, Func<ModelWorkspace<TModel>, TResult> evaluate)
    {
        lock (gate)
        {
            workspace.Flat.Write(parameters);
            workspace.Model.eval();
            using var noGrad = no_grad();
            return evaluate(workspace);
        }
    }

    /// <inheritdoc />
    public void Dispose() => workspace.Dispose();
}
