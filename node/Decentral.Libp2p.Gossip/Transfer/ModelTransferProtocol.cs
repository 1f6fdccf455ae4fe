using System.Buffers;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Gossip.Transfer;

/// <summary>
/// "/decentral/model/1.0.0": one request and one response per stream, for payloads too large
/// for gossip. Request = uvarint header length, header, uvarint body length, body. Response =
/// status byte, uvarint body length, body (for a status other than Ok, a UTF-8 reason the
/// requester may show). Bodies are copied in pooled chunks straight between
/// the network and the caller's streams, so neither side holds a second copy of a model; both
/// sides enforce <see cref="ModelTransferOptions.MaxBodyBytes"/> before reading a body.
/// </summary>
public static class ModelTransferProtocol
{
    /// <summary>The protocol id.</summary>
    public const string ProtocolId = "/decentral/model/1.0.0";

    /// <summary>
    /// Client side: sends the request (header and <paramref name="bodyLength"/> bytes of
    /// <paramref name="body"/>) and writes the response body into <paramref name="responseSink"/>.
    /// </summary>
    public static async Task<TransferResult> RequestAsync(Stream stream, ReadOnlyMemory<byte> header, Stream? body, long bodyLength,
        Stream responseSink, ModelTransferOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(responseSink);
        options.EnsureValid();
        if (header.Length > options.MaxHeaderBytes || bodyLength > options.MaxBodyBytes || bodyLength < 0 || (body is null && bodyLength > 0))
        {
            return new TransferResult(TransferStatus.TooLarge, 0, "request exceeds the configured limits");
        }

        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await WritePrefixedAsync(stream, header, bodyLength, linked.Token).ConfigureAwait(false);
            if (body is not null)
            {
                await CopyExactlyAsync(body, stream, bodyLength, options.ChunkBytes, linked.Token).ConfigureAwait(false);
            }

            await stream.FlushAsync(linked.Token).ConfigureAwait(false);
            var status = new byte[1];
            if (await stream.ReadAsync(status, linked.Token).ConfigureAwait(false) == 0)
            {
                return new TransferResult(TransferStatus.ProtocolError, 0, "stream ended before the response status");
            }

            if (status[0] > (byte)TransferStatus.Refused)
            {
                return new TransferResult(TransferStatus.ProtocolError, 0, $"unknown response status {status[0]}");
            }

            var length = await Varint.ReadAsync(stream, linked.Token).ConfigureAwait(false);
            if (length is null)
            {
                return new TransferResult(TransferStatus.ProtocolError, 0, "stream ended before the response length");
            }

            if (length > (ulong)options.MaxBodyBytes)
            {
                return new TransferResult(TransferStatus.TooLarge, 0, $"response of {length} bytes exceeds {options.MaxBodyBytes}");
            }

            await CopyExactlyAsync(stream, responseSink, (long)length.Value, options.ChunkBytes, linked.Token).ConfigureAwait(false);
            return new TransferResult((TransferStatus)status[0], (long)length.Value, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new TransferResult(TransferStatus.TimedOut, 0, $"no complete exchange within {options.Timeout}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException)
        {
            return new TransferResult(e is InvalidDataException or EndOfStreamException ? TransferStatus.ProtocolError : TransferStatus.StreamFailed, 0, e.Message);
        }
    }

    /// <summary>
    /// Server side: reads one request from <paramref name="stream"/>, asks <paramref name="handler"/>
    /// and writes its response. Returns how the exchange ended (for logs).
    /// </summary>
    public static async Task<TransferResult> ServeAsync(Stream stream, PeerId peer, ModelRequestHandler handler,
        ModelTransferOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(handler);
        options.EnsureValid();
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var headerLength = await Varint.ReadAsync(stream, linked.Token).ConfigureAwait(false);
            if (headerLength is null)
            {
                return new TransferResult(TransferStatus.ProtocolError, 0, "stream ended before the request");
            }

            if (headerLength > (ulong)options.MaxHeaderBytes)
            {
                await RespondAsync(stream, ModelResponse.Empty(TransferStatus.TooLarge), options, linked.Token).ConfigureAwait(false);
                return new TransferResult(TransferStatus.TooLarge, 0, $"request header of {headerLength} bytes");
            }

            var header = new byte[(int)headerLength.Value];
            await stream.ReadExactlyAsync(header, linked.Token).ConfigureAwait(false);
            var bodyLength = await Varint.ReadAsync(stream, linked.Token).ConfigureAwait(false);
            if (bodyLength is null || bodyLength > (ulong)options.MaxBodyBytes)
            {
                await RespondAsync(stream, ModelResponse.Empty(TransferStatus.TooLarge), options, linked.Token).ConfigureAwait(false);
                return new TransferResult(TransferStatus.TooLarge, 0, $"request body of {bodyLength} bytes");
            }

            var body = new BoundedReadStream(stream, (long)bodyLength.Value);
            var response = await handler(peer, new ModelRequest(header, body, (long)bodyLength.Value), linked.Token).ConfigureAwait(false);

            // Whatever the handler left unread is drained so the stream stays in sync.
            await body.CopyToAsync(Stream.Null, options.ChunkBytes, linked.Token).ConfigureAwait(false);
            await RespondAsync(stream, response, options, linked.Token).ConfigureAwait(false);
            return new TransferResult(response.Status, response.Length, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new TransferResult(TransferStatus.TimedOut, 0, $"no complete exchange within {options.Timeout}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException)
        {
            return new TransferResult(TransferStatus.StreamFailed, 0, e.Message);
        }
    }

    private static async Task RespondAsync(Stream stream, ModelResponse response, ModelTransferOptions options, CancellationToken cancellationToken)
    {
        // Any status may carry a body: Ok the payload, the others a short reason for the requester.
        var length = response.Body is not null ? response.Length : 0;
        if (length > options.MaxBodyBytes || length < 0)
        {
            throw new ArgumentException($"The handler answered {length} bytes; the limit is {options.MaxBodyBytes}.");
        }

        var prefix = new byte[1 + Varint.MaxLength];
        prefix[0] = (byte)response.Status;
        var written = 1 + Varint.Write((ulong)length, prefix.AsSpan(1));
        await stream.WriteAsync(prefix.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        if (response.Body is { } source)
        {
            await using (source.ConfigureAwait(false))
            {
                await CopyExactlyAsync(source, stream, length, options.ChunkBytes, cancellationToken).ConfigureAwait(false);
            }
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WritePrefixedAsync(Stream stream, ReadOnlyMemory<byte> header, long bodyLength, CancellationToken cancellationToken)
    {
        var buffer = new byte[(2 * Varint.MaxLength) + header.Length];
        var n = Varint.Write((ulong)header.Length, buffer);
        header.Span.CopyTo(buffer.AsSpan(n));
        n += header.Length;
        n += Varint.Write((ulong)bodyLength, buffer.AsSpan(n));
        await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies exactly <paramref name="count"/> bytes through one pooled chunk buffer.</summary>
    private static async Task CopyExactlyAsync(Stream source, Stream destination, long count, int chunkBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            while (count > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(chunkBytes, count)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"The source ended {count} bytes early.");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
