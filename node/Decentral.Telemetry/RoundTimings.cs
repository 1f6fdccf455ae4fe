namespace Decentral.Telemetry;

/// <summary>
/// Node rows only: where the writing node's time in the round went, in seconds, measured on the
/// node's clock. The phases of a row are consecutive, so they add up to the span that ends at
/// the row's time (<see cref="RoundRow.UnixSeconds"/>, when the node sent its model):
/// a trainer row spans from the arrival of the aggregate it trained (queue, train, encode,
/// search), an aggregator row from the arrival of the round's first trained model (wait,
/// aggregate, search). Transfers between nodes are not in any row: on one machine they are
/// the gaps between one node's send and the next node's arrival. A phase not measured is null
/// (not written).
/// </summary>
public sealed record RoundTimings
{
    /// <summary>Trainer: from the aggregate's arrival (received in full and decoded) until the training thread began (JSON <c>queue_s</c>).</summary>
    public double? QueueSeconds { get; init; }

    /// <summary>Trainer: local training on the training thread (JSON <c>train_s</c>).</summary>
    public double? TrainSeconds { get; init; }

    /// <summary>Trainer: from the end of training until the trained model was encoded and ready to send (JSON <c>encode_s</c>).</summary>
    public double? EncodeSeconds { get; init; }

    /// <summary>Aggregator: from the first trained model's arrival until the model that completed the round arrived, or the aggregation timeout fired (JSON <c>wait_s</c>).</summary>
    public double? WaitSeconds { get; init; }

    /// <summary>Aggregator: from the completing model's arrival until the aggregate was combined, encoded and ready to send (JSON <c>aggregate_s</c>).</summary>
    public double? AggregateSeconds { get; init; }

    /// <summary>Both roles: waiting for the liveness search (pings) of the peers to send to, after the model was ready (JSON <c>search_s</c>).</summary>
    public double? SearchSeconds { get; init; }

    /// <summary>The phases with their JSON names, in the order rows write them.</summary>
    public IEnumerable<(string Name, double? Seconds)> Fields() =>
    [
        ("queue_s", QueueSeconds),
        ("train_s", TrainSeconds),
        ("encode_s", EncodeSeconds),
        ("wait_s", WaitSeconds),
        ("aggregate_s", AggregateSeconds),
        ("search_s", SearchSeconds),
    ];
}
