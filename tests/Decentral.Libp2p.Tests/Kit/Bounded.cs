namespace Decentral.Libp2p.Tests.Kit;

/// <summary>Bounded waits: tests wait on events with a timeout, never sleep.</summary>
internal static class Bounded
{
    // Generous: an upper bound for loaded CI machines, never a delay on the passing path.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static CancellationToken Token(TimeSpan? timeout = null) => new CancellationTokenSource(timeout ?? Timeout).Token;

    public static Task<T> Within<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Timeout);

    public static Task Within(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Timeout);
}
