using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Wire;

namespace Decentral.Telemetry;

/// <summary>
/// Counts the bytes a run (the simulator) or a node sends: per message kind, in all, per codec of
/// the model a message carries, and the view data piggybacked on model messages against what
/// sending the whole view on every model message (as the reference implementation does) would have cost. One ledger feeds the rows of
/// <see cref="RoundRow"/>: each row takes the per-kind bytes since the previous row. Thread-safe
/// (a node's senders count from several tasks).
/// </summary>
public sealed class TrafficLedger
{
    private readonly IWireCodec _codec;
    private readonly Lock _gate = new();
    private readonly long[] _bytesByKind = new long[RoundRow.Kinds.Count + 1];
    private readonly long[] _bytesAtLastRow = new long[RoundRow.Kinds.Count + 1];
    private readonly SortedDictionary<string, long> _bytesByCodec = new(StringComparer.Ordinal);
    private long _viewBytes;
    private long _fullViewBytes;
    private long _recordBytes;

    /// <summary>A ledger that measures view data with <paramref name="codec"/>.</summary>
    public TrafficLedger(IWireCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        _codec = codec;
    }

    /// <summary>All bytes counted.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytesByKind.Sum();
            }
        }
    }

    /// <summary>Cumulative bytes of view data actually sent (piggybacked deltas, view requests and snapshots).</summary>
    public long ViewBytes
    {
        get
        {
            lock (_gate)
            {
                return _viewBytes;
            }
        }
    }

    /// <summary>Cumulative bytes full views on every model message would have cost.</summary>
    public long FullViewBytes
    {
        get
        {
            lock (_gate)
            {
                return _fullViewBytes;
            }
        }
    }

    /// <summary>Bytes per message kind so far.</summary>
    public IReadOnlyDictionary<MessageKind, long> BytesByKind
    {
        get
        {
            lock (_gate)
            {
                return RoundRow.Kinds.ToDictionary(k => k, k => _bytesByKind[(int)k]);
            }
        }
    }

    /// <summary>
    /// Bytes of the messages that carry a model (trained, aggregated, base replies), whole messages,
    /// by the model's codec name ("fp32", "int8+zstd", "topk-int8"), in name order.
    /// </summary>
    public IReadOnlyDictionary<string, long> BytesByCodec
    {
        get
        {
            lock (_gate)
            {
                return new SortedDictionary<string, long>(_bytesByCodec, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Counts one sent message of <paramref name="bytes"/> encoded bytes; <paramref name="senderViewCount"/>
    /// is the sender's view size (what a full view would have held).
    /// </summary>
    public void Count(ProtocolMessage message, long bytes, int senderViewCount)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Measured outside the lock: the sizes are computed without encoding the model floats.
        var withoutView = message switch
        {
            AggregatedModel aggregated => _codec.EncodedSize(aggregated with { View = ViewUpdate.Empty(aggregated.View.MembershipDigest) }),
            TrainedModel trained => _codec.EncodedSize(trained with { View = ViewUpdate.Empty(trained.View.MembershipDigest) }),
            _ => -1,
        };
        var recordBytes = withoutView >= 0 ? RecordBytes() : 0;
        var codec = message switch
        {
            TrainedModel t => t.Model.CodecName,
            AggregatedModel a => a.Model.CodecName,
            BaseReply { Model: { } m } => m.CodecName,
            _ => null,
        };
        lock (_gate)
        {
            _bytesByKind[(int)message.Kind] += bytes;
            if (codec is not null)
            {
                _bytesByCodec[codec] = _bytesByCodec.GetValueOrDefault(codec) + bytes;
            }

            if (withoutView >= 0)
            {
                // The records: the message against the same message with none.
                _viewBytes += bytes - withoutView;
                _fullViewBytes += senderViewCount * recordBytes;
            }
            else if (message is ViewSnapshot or ViewRequest)
            {
                _viewBytes += bytes;
            }
        }
    }

    /// <summary>Fills the traffic fields of <paramref name="row"/>: bytes per kind since the previous row, totals, view bytes.</summary>
    public void FillRow(RoundRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            for (var k = 0; k < _bytesByKind.Length; k++)
            {
                row.BytesByKind[k] = _bytesByKind[k] - _bytesAtLastRow[k];
                _bytesAtLastRow[k] = _bytesByKind[k];
            }

            row.TotalBytes = _bytesByKind.Sum();
            row.ViewBytes = _viewBytes;
            row.FullViewBytes = _fullViewBytes;
        }
    }

    // The measured size of one view record (a typical last-active round).
    private long RecordBytes()
    {
        var known = Interlocked.Read(ref _recordBytes);
        if (known != 0)
        {
            return known;
        }

        var peer = Identity.PeerId.FromPublicKey(new byte[Identity.PeerId.KeyLength]);
        var one = new ViewUpdate([new PeerRecord(peer, 1_000, 1, MembershipStatus.Join)], 0, false);
        known = _codec.EncodedSize(new ViewSnapshot(one)) - _codec.EncodedSize(new ViewSnapshot(ViewUpdate.Empty(0)));
        Interlocked.Exchange(ref _recordBytes, known);
        return known;
    }
}
