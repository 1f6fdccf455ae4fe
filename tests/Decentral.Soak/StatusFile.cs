using Decentral.Telemetry;

namespace Decentral.Soak;

/// <summary>Waits on a node's node.json (rewritten by rename every node:statusInterval) without polling.</summary>
internal static class StatusFile
{
    /// <summary>Completes with the first status in <paramref name="dataDir"/> that satisfies <paramref name="done"/>; TimeoutException after <paramref name="bound"/>.</summary>
    public static async Task<NodeStatus> WaitAsync(string dataDir, Func<NodeStatus, bool> done, TimeSpan bound)
    {
        var path = Path.Combine(dataDir, NodeStatus.FileName);
        var found = new TaskCompletionSource<NodeStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(dataDir, NodeStatus.FileName) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        void Check()
        {
            try
            {
                if (File.Exists(path) && NodeStatus.TryParse(File.ReadAllText(path), out var status) && done(status))
                {
                    found.TrySetResult(status);
                }
            }
            catch (IOException)
            {
                // Replaced while we read it: the rename raises the next event.
            }
        }

        watcher.Created += (_, _) => Check();
        watcher.Changed += (_, _) => Check();
        watcher.Renamed += (_, _) => Check();
        watcher.EnableRaisingEvents = true;
        Check();
        return await found.Task.WaitAsync(bound);
    }
}
