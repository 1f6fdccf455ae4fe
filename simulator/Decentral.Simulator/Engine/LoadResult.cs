using System.Diagnostics.CodeAnalysis;

namespace Decentral.Simulator.Engine;

/// <summary>
/// The outcome of loading an input file (latency matrix, trace): a value or a message that says
/// what is wrong and where. Bad input is an expected failure, so it is a value, not an exception.
/// </summary>
/// <typeparam name="T">The loaded value.</typeparam>
public readonly struct LoadResult<T>
    where T : class
{
    private LoadResult(T? value, string? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The loaded value when <see cref="IsSuccess"/>.</summary>
    public T? Value { get; }

    /// <summary>What is wrong (with line/field) when loading failed.</summary>
    public string? Error { get; }

    /// <summary>True when a value was loaded.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Value is not null;

    /// <summary>A successful result.</summary>
    public static LoadResult<T> Success(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    /// <summary>A failed result with a message.</summary>
    public static LoadResult<T> Failure(string error) => new(null, string.IsNullOrEmpty(error) ? throw new ArgumentException("An error needs a message.", nameof(error)) : error);

    /// <summary>The value, or an <see cref="InvalidDataException"/> with the error for callers that treat bad input as fatal.</summary>
    public T ValueOrThrow() => IsSuccess ? Value : throw new InvalidDataException(Error);
}
