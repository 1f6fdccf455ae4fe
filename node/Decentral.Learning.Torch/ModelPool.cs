using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Hands each thread its own <see cref="ModelWorkspace{TModel}"/>: torch modules are not safe to
/// share between threads, and one model per thread (rather than per simulated node) keeps
/// memory bounded when hundreds of nodes train in one process.
/// </summary>
internal sealed class ModelPool<TModel> : IDisposable
    where TModel : nn.Module
{
    private readonly ThreadLocal<ModelWorkspace<TModel>> local;

    /// <summary>Creates models with <paramref name="create"/> on first use in each thread.</summary>
    public ModelPool(Func<TModel> create)
    {
        local = new ThreadLocal<ModelWorkspace<TModel>>(
            () =>
            {
                TorchRuntime.EnsureInitialized();
                return new ModelWorkspace<TModel>(create());
            },
            trackAllValues: true);
    }

    /// <summary>The calling thread's workspace.</summary>
    public ModelWorkspace<TModel> Workspace => local.Value!;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var workspace in local.Values)
        {
            workspace.Dispose();
        }

        local.Dispose();
    }
}
