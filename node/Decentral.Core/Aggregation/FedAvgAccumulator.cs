using Decentral.Learning;

namespace Decentral.Aggregation;

/// <summary>
/// Weighted federated averaging (FedAvg) of models of one layout: <c>Add</c> each model with its
/// weight (the number of samples it was trained on), then <see cref="Finish"/> writes
/// <c>sum(w_i * m_i) / sum(w_i)</c>.
/// </summary>
/// <remarks>
/// <para>Determinism: sums are kept in double, element by element, and floating-point addition
/// is not associative, so the result depends on the order of the <c>Add</c> calls and on nothing
/// else (not on the machine's SIMD width). The protocol adds models in a canonical order (by
/// sender id), so every node and every run computes the same bits.</para>
/// <para>Zero weights: a model of weight 0 has no influence whenever some model has a positive
/// weight. If every model added has weight 0, the result is their plain (unweighted) mean rather
/// than an undefined 0/0, so a round whose trainers held no data still yields a model.</para>
/// <para>Life cycle: Add* then Finish (repeatable; it does not consume the sums); <see cref="Reset"/>
/// to reuse the buffer for another round. Not thread-safe.</para>
/// </remarks>
public sealed class FedAvgAccumulator
{
    private readonly double[] _sums;
    private double _totalWeight;

    // True while every model added had weight 0: the sums then hold an unweighted sum (weight 1
    // each) so the all-zero case has a defined answer; the first positive weight discards it.
    private bool _onlyZeroWeights = true;

    /// <summary>An empty accumulator for models of <paramref name="layoutId"/> with <paramref name="length"/> parameters.</summary>
    public FedAvgAccumulator(string layoutId, int length)
    {
        ArgumentException.ThrowIfNullOrEmpty(layoutId);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        LayoutId = layoutId;
        _sums = new double[length];
    }

    /// <summary>The layout every added model must have.</summary>
    public string LayoutId { get; }

    /// <summary>The number of parameters every added model must have.</summary>
    public int Length => _sums.Length;

    /// <summary>Models added since construction or <see cref="Reset"/> (zero-weight ones included).</summary>
    public int Count { get; private set; }

    /// <summary>Sum of the weights added.</summary>
    public double TotalWeight => _totalWeight;

    /// <summary>Adds <paramref name="model"/> after checking its layout id and length.</summary>
    public AggregationResult Add(ModelVector model, double weight)
    {
        ArgumentNullException.ThrowIfNull(model);
        return string.Equals(model.LayoutId, LayoutId, StringComparison.Ordinal)
            ? Add(model.Parameters, weight)
            : new AggregationResult(AggregationError.LayoutMismatch);
    }

    /// <summary>
    /// Adds a model's parameters with <paramref name="weight"/> (non-negative and finite).
    /// The parameters are expected to be finite (the wire decoder guarantees it).
    /// </summary>
    public AggregationResult Add(ReadOnlySpan<float> parameters, double weight)
    {
        if (parameters.Length != _sums.Length)
        {
            return new AggregationResult(AggregationError.LengthMismatch);
        }

        if (!double.IsFinite(weight) || weight < 0)
        {
            return new AggregationResult(AggregationError.InvalidWeight);
        }

        Count++;
        if (weight == 0)
        {
            if (_onlyZeroWeights)
            {
                WeightedSum.AddScaled(_sums, parameters, 1.0);
            }

            return AggregationResult.Success;
        }

        if (_onlyZeroWeights)
        {
            Array.Clear(_sums);
            _onlyZeroWeights = false;
        }

        WeightedSum.AddScaled(_sums, parameters, weight);
        _totalWeight += weight;
        return AggregationResult.Success;
    }

    /// <summary>Writes the weighted average into <paramref name="destination"/> (of length <see cref="Length"/>).</summary>
    public AggregationResult Finish(Span<float> destination)
    {
        if (destination.Length != _sums.Length)
        {
            return new AggregationResult(AggregationError.LengthMismatch);
        }

        if (Count == 0)
        {
            return new AggregationResult(AggregationError.Empty);
        }

        WeightedSum.Divide(_sums, _onlyZeroWeights ? Count : _totalWeight, destination);
        return AggregationResult.Success;
    }

    /// <summary>Forgets every model added, keeping the buffer.</summary>
    public void Reset()
    {
        Array.Clear(_sums);
        _totalWeight = 0;
        _onlyZeroWeights = true;
        Count = 0;
    }
}
