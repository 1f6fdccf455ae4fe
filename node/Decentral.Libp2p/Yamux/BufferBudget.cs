namespace Decentral.Libp2p.Yamux;

/// <summary>Which budget refused a charge.</summary>
internal enum BudgetVerdict
{
    /// <summary>Charged.</summary>
    Ok,

    /// <summary>The session's own budget is spent.</summary>
    Session,

    /// <summary>The host-wide budget (all sessions together) is spent.</summary>
    Host,
}

/// <summary>
/// Bytes of receive buffers a session (or, as the parent, a whole host) may hold. Charges are
/// refused, not queued: the caller drops what it could not charge. Thread-safe.
/// </summary>
/// <param name="limit">Most bytes held at once.</param>
/// <param name="scope">What a refusal by this budget is reported as.</param>
/// <param name="parent">A wider budget every charge also needs (the host's, for a session).</param>
internal sealed class BufferBudget(long limit, BudgetVerdict scope, BufferBudget? parent = null)
{
    private long _used;

    public long Limit => limit;

    public long Used => Interlocked.Read(ref _used);

    public BudgetVerdict TryCharge(long bytes)
    {
        if (bytes == 0)
        {
            return BudgetVerdict.Ok;
        }

        if (Interlocked.Add(ref _used, bytes) > limit)
        {
            Interlocked.Add(ref _used, -bytes);
            return scope;
        }

        if (parent?.TryCharge(bytes) is { } verdict && verdict != BudgetVerdict.Ok)
        {
            Interlocked.Add(ref _used, -bytes);
            return verdict;
        }

        return BudgetVerdict.Ok;
    }

    public void Release(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        Interlocked.Add(ref _used, -bytes);
        parent?.Release(bytes);
    }
}
