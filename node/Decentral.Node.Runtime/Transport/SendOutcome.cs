namespace Decentral.Node.Runtime.Transport;

/// <summary>How a delivery attempt ended.</summary>
public enum SendStatus
{
    /// <summary>The receiver accepted the message.</summary>
    Delivered,

    /// <summary>No address is known for the peer.</summary>
    NoAddress,

    /// <summary>No connection could be made (refused, unreachable, handshake failed, dial timeout).</summary>
    DialFailed,

    /// <summary>The connection or stream broke during the exchange.</summary>
    StreamFailed,

    /// <summary>The exchange did not finish within network:sendTimeout.</summary>
    TimedOut,

    /// <summary>The receiver answered, but refused (another session, busy, a message it rejects).</summary>
    Refused,

    /// <summary>The peer's circuit is open after repeated failures; it is not dialled until it goes half-open.</summary>
    CircuitOpen,

    /// <summary>The per-peer queue was full.</summary>
    QueueFull,

    /// <summary>The node is stopping.</summary>
    Stopping,

    /// <summary>This node's send threw (a bug, logged as an error with its exception).</summary>
    Faulted,
}

/// <summary>The outcome of a delivery: a status and, when it failed, why.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Reason">A human-readable reason (null when delivered).</param>
public readonly record struct SendOutcome(SendStatus Status, string? Reason = null)
{
    /// <summary>A delivery.</summary>
    public static SendOutcome Delivered { get; } = new(SendStatus.Delivered);

    /// <summary>True when the receiver accepted the message.</summary>
    public bool Ok => Status == SendStatus.Delivered;

    /// <summary>True for failures a new dial may cure (the transport retries these).</summary>
    public bool IsTransient => Status is SendStatus.DialFailed or SendStatus.StreamFailed;

    /// <summary>True for failures that count against the peer's circuit (the peer did not answer).</summary>
    public bool CountsAgainstPeer => Status is SendStatus.DialFailed or SendStatus.StreamFailed or SendStatus.TimedOut;
}
