using Decentral.Node.Tests.Kit;

namespace Decentral.Soak;

/// <summary>The steps the soak and the fault runs take with a cluster of node processes, each bounded.</summary>
internal static class ClusterSteps
{
    /// <summary>Every node logged a full view and some node aggregated; then every node's peer id (from node.json).</summary>
    public static async Task<string[]> RunningAsync(ProcessCluster cluster, TimeSpan bound)
    {
        var n = cluster.Size;
        await Task.WhenAll(cluster.Nodes.Select(node => node.WaitForLineAsync(l => l.Contains($"View: {n} members", StringComparison.Ordinal), bound)));
        await cluster.AccuracyAsync(0, bound);
        return [.. cluster.Nodes.Select(node => node.Status()?.PeerId ?? throw new InvalidOperationException($"no node.json in {node.DataDir}"))];
    }

    /// <summary>Waits (bounded) until every node's node.json lists every peer; the peers each one still misses ("node i").</summary>
    public static async Task<List<string>[]> ViewsAsync(ProcessCluster cluster, IReadOnlyList<string> peers, TimeSpan bound)
    {
        var waits = cluster.Nodes.Select(async node =>
        {
            try
            {
                await StatusFile.WaitAsync(node.DataDir, s => peers.All(p => s.Members.Contains(p)), bound);
                return new List<string>();
            }
            catch (TimeoutException)
            {
                var members = node.Status()?.Members ?? [];
                return peers.Select((p, i) => (p, i)).Where(x => !members.Contains(x.p)).Select(x => $"node {x.i}").ToList();
            }
        });
        return await Task.WhenAll(waits);
    }

    /// <summary>SIGTERM (a graceful leave) to every node still running; their exit codes (null: killed after 60 s).</summary>
    public static async Task<int?[]> StopAllAsync(ProcessCluster cluster)
    {
        var nodes = cluster.Nodes.ToArray();
        foreach (var node in nodes.Where(node => !node.HasExited))
        {
            node.Terminate();
        }

        return await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return (int?)await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                node.KillHard();
                return null;
            }
        }));
    }
}
