using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Lends <see cref="ModelWorkspace{TModel}"/>s to Train calls: a torch module must not be used by
/// two threads at once, so each call rents a workspace of its own and returns it when done. The
/// pool holds as many workspaces as calls ever ran at the same time, not one per thread seen:
/// a node trains on whichever thread-pool thread is free, and the pool retires and injects
/// threads all the time, so a workspace per thread (a ThreadLocal that tracks its values keeps
/// those of exited threads) grew without bound: a native model, its gradients and momentum each.
/// </summary>
internal sealed class ModelPool<TModel> : IDisposable
    where TModel : nn.Module
{
    private readonly Func<TModel> create;
    private readonly ConcurrentBag<ModelWorkspace<TModel>> idle = [];
    private readonly ConcurrentQueue<ModelWorkspace<TModel>> all = new();
    private int created;

    /// <summary>Creates models with <paramref name="create"/> when no idle workspace is left.</summary>
    public ModelPool(Func<TModel> create)
    {
        this.create = create;
    }

    /// <summary>How many workspaces the pool has built: the most Train calls that ran at once.</summary>
    public int Created => Volatile.Read(ref created);

    /// <summary>A workspace for the caller alone until the lease is disposed.</summary>
    public Lease Rent()
    {
        if (!idle.TryTake(out var workspace))
        {
            TorchRuntime.EnsureInitialized();
            workspace = new ModelWorkspace<TModel>(create());
            all.Enqueue(workspace);
            Interlocked.Increment(ref created);
        }

        return new Lease(this, workspace);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        while (all.TryDequeue(out var workspace))
        {
            workspace.Dispose();
        }

        idle.Clear();
    }

    /// <summary>A rented workspace; disposing it hands the workspace back to the pool.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly ModelPool<TModel> pool;

        internal Lease(ModelPool<TModel> pool, ModelWorkspace<TModel> workspace)
        {
            this.pool = pool;
            Workspace = workspace;
        }

        /// <summary>The rented workspace.</summary>
        public ModelWorkspace<TModel> Workspace { get; }

        /// <inheritdoc />
        public void Dispose() => pool.idle.Add(Workspace);
    }
}
