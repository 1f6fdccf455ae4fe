using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Transfer;
using Decentral.Libp2p.Host;
using Decentral.Libp2p.Records;
using Decentral.Node.Runtime.Options;
using Decentral.Node.Runtime.Peers;
using Decentral.Protocol;
using Decentral.Wire;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime.Transport;

/// <summary>A protocol message that arrived and decoded.</summary>
/// <param name="From">The authenticated sender.</param>
/// <param name="Message">The decoded message.</param>
/// <param name="Bytes">Its encoded size.</param>
public readonly record struct InboundMessage(PeerId From, ProtocolMessage Message, long Bytes);

/// <summary>
/// Carries protocol messages between nodes: each message is one request on its own libp2p stream
/// (/decentral/model/1.0.0: a <see cref="RequestHeader"/>, then the message in the project's
/// wire codec; the answer is a status, and for a refusal a reason). Sending is per peer and per
/// lane (control: pings, pongs, acks, adverts, view requests; bulk: models and view snapshots),
/// each lane a bounded queue drained in order by one task, so a model transfer never holds up a
/// ping to the same peer. Receiving decodes into a buffer rented for the message and bounded by
/// network:maxInflightBytes, then hands the message to <see cref="Received"/>.
/// </summary>
public sealed class MessageTransport : IAsyncDisposable
{
    /// <summary>
    /// The reason a node gives for what it refuses while it leaves. Both sides log such a refusal
    /// at debug level: a graceful stop is not a problem, and the sender's core learns of it anyway.
    /// </summary>
    public const string LeavingReason = "this node is leaving";

    /// <summary>True when a send was refused because the receiver is leaving (<see cref="LeavingReason"/>).</summary>
    public static bool RefusedAsLeaving(SendOutcome outcome) =>
        outcome.Status == SendStatus.Refused && outcome.Reason is { } reason && reason.EndsWith(LeavingReason, StringComparison.Ordinal);

    private readonly ILibp2pHost _host;
    private readonly ModelTransferService _transfer;
    private readonly PeerConnector _connector;
    private readonly AddressBook _book;
    private readonly IWireCodec _codec;
    private readonly NetworkOptions _options;
    private readonly string _session;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(PeerId Peer, bool Bulk), SendLane> _lanes = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _inflightBytes;

    /// <summary>Creates the transport and serves requests on <paramref name="host"/>.</summary>
    public MessageTransport(ILibp2pHost host, PeerConnector connector, AddressBook book, IWireCodec codec, NetworkOptions options,
        string session, TimeProvider time, ILogger logger)
    {
        _host = host;
        _connector = connector;
        _book = book;
        _codec = codec;
        _options = options;
        _session = session;
        _logger = logger;
        var transferOptions = new ModelTransferOptions { MaxBodyBytes = options.MaxMessageBytes, Timeout = options.SendTimeout };
        _transfer = new ModelTransferService(host, transferOptions, time);
        _transfer.Serve(ServeAsync);
    }

    /// <summary>
    /// Takes an arrived message (returns null) or refuses it (returns the reason the sender is
    /// told); called on the receiving task, must not block.
    /// </summary>
    public Func<InboundMessage, string?>? Received { get; set; }

    /// <summary>Called for each arrived message that did not decode (on the receiving task), before it is refused.</summary>
    public Action<DecodeError>? Rejected { get; set; }

    /// <summary>Called after each delivery attempt ends (on a sending task).</summary>
    public Action<PeerId, ProtocolMessage, long, SendOutcome>? Sent { get; set; }

    /// <summary>The announcements this node answers a member-list request with (its own first).</summary>
    public Func<IReadOnlyCollection<MemberAnnouncement>>? Members { get; set; }

    /// <summary>Signed records to attach to an outgoing message, chosen by the caller.</summary>
    public Func<ProtocolMessage, IReadOnlyList<ReadOnlyMemory<byte>>>? RecordsFor { get; set; }

    /// <summary>Bytes of inbound messages buffered right now.</summary>
    public long InflightBytes => Interlocked.Read(ref _inflightBytes);

    /// <summary>
    /// Queues <paramref name="message"/> for <paramref name="to"/>; false when its lane is full or the
    /// transport stops (then nothing was queued and <see cref="Sent"/> is not called).
    /// </summary>
    public bool Enqueue(PeerId to, ProtocolMessage message)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        var bulk = message is TrainedModel or AggregatedModel or ViewSnapshot or BaseReply;
        var lane = _lanes.GetOrAdd((to, bulk), key => new SendLane(key.Peer, key.Bulk ? _options.BulkQueue : _options.ControlQueue, DeliverAsync, OnLaneFaulted, _stopping.Token));
        return lane.TryEnqueue(message);
    }

    /// <summary>Asks <paramref name="peer"/> for the members it knows (connecting first); null with a logged reason on failure.</summary>
    public async Task<List<MemberAnnouncement>?> RequestMembersAsync(PeerId peer, CancellationToken cancellationToken)
    {
        using var response = new MemoryStream();
        var header = new RequestHeader(_session, RequestKind.Members, []).Encode();
        var outcome = await _connector.DeliverAsync(peer, async ct =>
        {
            response.SetLength(0);
            var result = await _transfer.RequestAsync(peer, header, null, 0, response, ct).ConfigureAwait(false);
            return Map(result, response);
        }, cancellationToken).ConfigureAwait(false);
        if (!outcome.Ok)
        {
            Log.MembersRequestFailed(_logger, peer, outcome.Status, outcome.Reason ?? string.Empty);
            return null;
        }

        var (valid, invalid, error) = MemberAnnouncement.DecodeList(response.ToArray(), maxEntries: 1_000_000);
        if (error is not null || invalid > 0)
        {
            Log.MembersListRejected(_logger, peer, invalid, error ?? "invalid entries dropped");
        }

        return valid;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var lane in _lanes.Values)
        {
            lane.Complete();
        }

        await Task.WhenAll(_lanes.Values.Select(l => l.Worker)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task DeliverAsync(PeerId to, ProtocolMessage message, CancellationToken cancellationToken)
    {
        using var body = new PooledBufferWriter();
        _codec.Encode(message, body);
        var records = RecordsFor?.Invoke(message) ?? [];
        var header = new RequestHeader(_session, RequestKind.Message, records).Encode();
        var bytes = body.WrittenCount + header.Length;
        var outcome = await _connector.DeliverAsync(to, async ct =>
        {
            using var response = new MemoryStream();
            using var source = AsStream(body.WrittenMemory);
            var result = await _transfer.RequestAsync(to, header, source, body.WrittenCount, response, ct).ConfigureAwait(false);
            return Map(result, response);
        }, cancellationToken, retryDials: RetriesDials(message)).ConfigureAwait(false);
        Sent?.Invoke(to, message, bytes, outcome);
    }

    // A ping or pong gets one dial: the liveness search that sent the ping resends it every
    // protocol:pingResend until protocol:pingTimeout, so the transport's backoff would only hold
    // the search (and every later ping to that peer, queued behind it) for a dead peer, and with
    // protocol:pingFailFast it would delay the failure that makes the peer silent at once. Before,
    // a killed node cost each round that sampled it about 0.5 s of dial retries.
    private static bool RetriesDials(ProtocolMessage message) => message is not (Ping or Pong);

    // A delivery threw: a bug on this side. Logged with its exception; the core hears of a failed
    // send (it fails over as for any other), and the lane goes on with the next message.
    private void OnLaneFaulted(PeerId to, ProtocolMessage message, Exception exception)
    {
        Log.SendFaulted(_logger, exception, message.Kind.ToString(), to);
        try
        {
            Sent?.Invoke(to, message, 0, new SendOutcome(SendStatus.Faulted, $"{exception.GetType().Name}: {exception.Message}"));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SendFaulted(_logger, ex, message.Kind.ToString(), to);
        }
    }

    // A read-only view of pooled memory (no copy); the writer outlives the stream.
    private static MemoryStream AsStream(ReadOnlyMemory<byte> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(memory.ToArray(), writable: false);

    private static SendOutcome Map(TransferResult result, MemoryStream response) => result.Status switch
    {
        TransferStatus.Ok => SendOutcome.Delivered,
        TransferStatus.Refused or TransferStatus.TooLarge or TransferStatus.NotFound =>
            new SendOutcome(SendStatus.Refused, $"{result.Status}: {Reason(response)}"),
        TransferStatus.TimedOut => new SendOutcome(SendStatus.TimedOut, result.Reason),
        _ => new SendOutcome(SendStatus.StreamFailed, $"{result.Status}: {result.Reason}"),
    };

    private static string Reason(MemoryStream response) =>
        response.Length == 0 ? "no reason given" : Encoding.UTF8.GetString(response.GetBuffer(), 0, (int)Math.Min(response.Length, 512));

    private async ValueTask<ModelResponse> ServeAsync(PeerId peer, ModelRequest request, CancellationToken cancellationToken)
    {
        if (!RequestHeader.TryDecode(request.Header, out var header, out var headerError))
        {
            return Refuse(peer, headerError);
        }

        if (header.Session != _session)
        {
            return Refuse(peer, $"this node is in session '{_session}', the request is for session '{header.Session}'");
        }

        foreach (var encoded in header.Records.Take(_options.MaxAttachedRecords))
        {
            if (PeerRoutingRecord.TryDecode(encoded.Span, out var record, out _))
            {
                _book.AddRecord(record);
            }
        }

        if (header.Kind == RequestKind.Members)
        {
            var list = MemberAnnouncement.EncodeList(Members?.Invoke() ?? []);
            return new ModelResponse(TransferStatus.Ok, new MemoryStream(list, writable: false), list.Length);
        }

        return await ReceiveAsync(peer, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ModelResponse> ReceiveAsync(PeerId peer, ModelRequest request, CancellationToken cancellationToken)
    {
        var length = request.BodyLength;
        if (length > _options.MaxMessageBytes)
        {
            return Refuse(peer, $"a message of {length} bytes exceeds network:maxMessageBytes ({_options.MaxMessageBytes})", TransferStatus.TooLarge);
        }

        if (Interlocked.Add(ref _inflightBytes, length) > _options.MaxInflightBytes)
        {
            Interlocked.Add(ref _inflightBytes, -length);
            return Refuse(peer, $"busy: {InflightBytes} bytes of messages already buffered");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, length));
        try
        {
            await request.Body.ReadExactlyAsync(buffer.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false);
            var decoded = _codec.Decode(new ReadOnlySequence<byte>(buffer, 0, (int)length));
            if (!decoded.Ok)
            {
                Rejected?.Invoke(decoded.Error);
                return Refuse(peer, $"message rejected: {decoded.Error} {decoded.Detail}");
            }

            var refusal = Received is null ? "not accepting messages" : Received(new InboundMessage(peer, decoded.Message, length));
            if (refusal is not null)
            {
                return Refuse(peer, refusal);
            }

            return ModelResponse.Empty(TransferStatus.Ok);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Add(ref _inflightBytes, -length);
        }
    }

    private ModelResponse Refuse(PeerId peer, string reason, TransferStatus status = TransferStatus.Refused)
    {
        if (reason == LeavingReason)
        {
            Log.RefusedWhileLeaving(_logger, peer);
        }
        else
        {
            Log.RequestRefused(_logger, peer, reason);
        }

        var bytes = Encoding.UTF8.GetBytes(reason);
        return new ModelResponse(status, new MemoryStream(bytes, writable: false), bytes.Length);
    }
}
