namespace Decentral.Node.Runtime;

/// <summary>
/// The outcome of a start step that can fail for an expected reason (a bad key file, a directory
/// in use, missing data): a value or a message for the user. The runtime stops with that message
/// and the executable exits with code 2; nothing is thrown for a user's mistake.
/// </summary>
/// <typeparam name="T">The value on success.</typeparam>
public readonly record struct StartResult<T>(T? Value, string? Error)
{
    /// <summary>True when <see cref="Value"/> is set.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Error))]
    public bool IsOk => Error is null;
}

/// <summary>Factories for <see cref="StartResult{T}"/>.</summary>
public static class StartResult
{
    /// <summary>A success.</summary>
    public static StartResult<T> Ok<T>(T value) => new(value, null);

    /// <summary>A failure with a message for the user.</summary>
    public static StartResult<T> Fail<T>(string error) => new(default, error);
}

/// <summary>
/// Ends a running node's event loop for a reason the operator can act on (not a bug): the node
/// stops, and <c>NodeRuntime.Completion</c> faults with this exception, whose message says why.
/// </summary>
public sealed class NodeStoppedException(string message) : Exception(message);
