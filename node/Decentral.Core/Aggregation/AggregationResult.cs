namespace Decentral.Aggregation;

/// <summary>Why a model could not be added or an average could not be produced.</summary>
public enum AggregationError : byte
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The model (or destination) has a different number of parameters than the accumulator.</summary>
    LengthMismatch = 1,

    /// <summary>The model belongs to another layout (architecture).</summary>
    LayoutMismatch = 2,

    /// <summary>The weight is negative, NaN or infinite.</summary>
    InvalidWeight = 3,

    /// <summary>Finish was called before any model was added.</summary>
    Empty = 4,
}

/// <summary>Outcome of an aggregation step: <see cref="Ok"/>, or the <see cref="Error"/> that prevented it.</summary>
/// <param name="Error">What went wrong; <see cref="AggregationError.None"/> on success.</param>
public readonly record struct AggregationResult(AggregationError Error)
{
    /// <summary>Success.</summary>
    public static AggregationResult Success => default;

    /// <summary>True when the step succeeded.</summary>
    public bool Ok => Error == AggregationError.None;
}
