namespace Decentral.Data;

/// <summary>Why a dataset could not be loaded.</summary>
public enum DataErrorKind
{
    /// <summary>A file or folder that should have been fetched does not exist.</summary>
    Missing,

    /// <summary>A file exists but its content is not what the loader expects (truncated, wrong format, wrong shape).</summary>
    Corrupt,

    /// <summary>A file exists but could not be read (permissions, I/O error).</summary>
    Unreadable,
}

/// <summary>
/// An expected failure to load data. The message always says how to get the data, because the
/// usual cause is that scripts/fetch-data.sh has not been run (or the data folder is elsewhere).
/// </summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Path">The file or folder concerned.</param>
/// <param name="Detail">What exactly was wrong with it.</param>
public sealed record DataError(DataErrorKind Kind, string Path, string Detail)
{
    /// <summary>The advice appended to every message.</summary>
    public const string FetchHint =
        "Run scripts/fetch-data.sh to fetch the datasets (set DECENTRAL_DATA to use a data folder other than ./data).";

    /// <summary>A one-line message with the kind, the path, the detail and how to fetch the data.</summary>
    public string Message => Kind switch
    {
        DataErrorKind.Missing => $"Data missing: {Path}: {Detail}. {FetchHint}",
        DataErrorKind.Corrupt => $"Data corrupt: {Path}: {Detail}. Delete it and run scripts/fetch-data.sh again.",
        _ => $"Data unreadable: {Path}: {Detail}. {FetchHint}",
    };

    /// <inheritdoc/>
    public override string ToString() => Message;
}

/// <summary>The thrown form of a <see cref="DataError"/>, for callers that cannot go on without the data.</summary>
public sealed class DataUnavailableException : Exception
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public DataUnavailableException(DataError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message)
    {
        Error = error;
    }

    /// <summary>The error that was raised.</summary>
    public DataError Error { get; }
}

/// <summary>Either a loaded value or the <see cref="DataError"/> that prevented loading it.</summary>
/// <typeparam name="T">The loaded value.</typeparam>
public readonly struct DataResult<T>
{
    private readonly T? value;

    private DataResult(T? value, DataError? error)
    {
        this.value = value;
        Error = error;
    }

    /// <summary>The error, or null on success.</summary>
    public DataError? Error { get; }

    /// <summary>True when a value was loaded.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>The value; throws <see cref="DataUnavailableException"/> when loading failed.</summary>
    public T Value => Error is null ? value! : throw new DataUnavailableException(Error);

    /// <summary>A successful result.</summary>
    public static DataResult<T> Ok(T value) => new(value, null);

    /// <summary>A failed result.</summary>
    public static DataResult<T> Fail(DataError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>A failed result from a <see cref="DataError"/>.</summary>
    public static implicit operator DataResult<T>(DataError error) => Fail(error);

    /// <summary>Applies <paramref name="map"/> to a value, passing an error through.</summary>
    public DataResult<TOut> Map<TOut>(Func<T, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Error is null ? DataResult<TOut>.Ok(map(value!)) : DataResult<TOut>.Fail(Error);
    }

    /// <summary>Chains a further load on a value, passing an error through.</summary>
    public DataResult<TOut> Then<TOut>(Func<T, DataResult<TOut>> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return Error is null ? next(value!) : DataResult<TOut>.Fail(Error);
    }
}
