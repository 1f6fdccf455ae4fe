using System.Buffers;
using System.Text;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.MultistreamSelect;

/// <summary>How a multistream-select negotiation ended.</summary>
public enum NegotiationStatus
{
    /// <summary>Both sides agreed on <see cref="NegotiationResult.Protocol"/>.</summary>
    Agreed,

    /// <summary>The remote refused every proposal (dialer side).</summary>
    NotSupported,

    /// <summary>The remote broke the protocol (bad header, bad line, line over the cap).</summary>
    ProtocolError,

    /// <summary>The stream ended during negotiation.</summary>
    EndOfStream,
}

/// <summary>Outcome of a negotiation.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Protocol">The agreed protocol when <see cref="NegotiationStatus.Agreed"/>.</param>
/// <param name="Reason">Why it failed otherwise.</param>
public readonly record struct NegotiationResult(NegotiationStatus Status, string? Protocol, string? Reason);

/// <summary>Outcome of parsing one message from a buffer.</summary>
public enum LineParseStatus
{
    /// <summary>A whole message was parsed.</summary>
    Ok,

    /// <summary>The buffer ends inside the message.</summary>
    NeedMoreData,

    /// <summary>Malformed: bad varint, zero length, over the cap, no trailing newline, bad UTF-8.</summary>
    Invalid,
}

/// <summary>
/// multistream-select 1.0: each message is a uvarint length (including the trailing newline),
/// UTF-8 text and "\n". Dialer proposes, listener echoes or answers "na". Proposals may be
/// pipelined, so messages are parsed from a buffer and never assumed to match reads.
/// </summary>
public static class MultistreamSelect
{
    /// <summary>The protocol id (also the header both sides send first).</summary>
    public const string ProtocolId = "/multistream/1.0.0";

    /// <summary>The refusal message.</summary>
    public const string NotAvailable = "na";

    /// <summary>Longest message accepted, newline included (js uses the same cap).</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>Parses one message at the start of <paramref name="buffer"/>.</summary>
    public static LineParseStatus TryParse(ReadOnlySpan<byte> buffer, out string? message, out int consumed)
    {
        message = null;
        consumed = 0;
        switch (Varint.TryRead(buffer, out var length, out var n))
        {
            case VarintStatus.NeedMoreData:
                return LineParseStatus.NeedMoreData;
            case VarintStatus.Ok:
                break;
            default:
                return LineParseStatus.Invalid;
        }

        if (length == 0 || length > MaxMessageLength)
        {
            return LineParseStatus.Invalid;
        }

        if ((ulong)(buffer.Length - n) < length)
        {
            return LineParseStatus.NeedMoreData;
        }

        var body = buffer.Slice(n, (int)length);
        if (body[^1] != (byte)'\n' || !TryDecodeUtf8(body[..^1], out message))
        {
            return LineParseStatus.Invalid;
        }

        consumed = n + (int)length;
        return LineParseStatus.Ok;
    }

    /// <summary>Appends one encoded message to <paramref name="output"/>.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, string message)
    {
        var byteCount = Encoding.UTF8.GetByteCount(message) + 1;
        if (byteCount > MaxMessageLength)
        {
            throw new ArgumentException($"A multistream message is at most {MaxMessageLength} bytes.", nameof(message));
        }

        var span = output.GetSpan(Varint.MaxLength + byteCount);
        var n = Varint.Write((ulong)byteCount, span);
        n += Encoding.UTF8.GetBytes(message, span[n..]);
        span[n++] = (byte)'\n';
        output.Advance(n);
    }

    /// <summary>
    /// Dialer: sends the header and the first proposal in one write, then tries the others in
    /// order until one is echoed.
    /// </summary>
    public static async Task<NegotiationResult> SelectAsync(Stream stream, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        if (protocols.Count == 0)
        {
            throw new ArgumentException("At least one protocol must be proposed.", nameof(protocols));
        }

        await WriteAsync(stream, cancellationToken, ProtocolId, protocols[0]).ConfigureAwait(false);
        var header = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (header.Status != NegotiationStatus.Agreed)
        {
            return header;
        }

        if (header.Protocol != ProtocolId)
        {
            return new(NegotiationStatus.ProtocolError, null, $"unexpected header '{header.Protocol}'");
        }

        for (var i = 0; i < protocols.Count; i++)
        {
            if (i > 0)
            {
                await WriteAsync(stream, cancellationToken, protocols[i]).ConfigureAwait(false);
            }

            var answer = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false);
            if (answer.Status != NegotiationStatus.Agreed)
            {
                return answer;
            }

            if (answer.Protocol == protocols[i])
            {
                return answer;
            }

            if (answer.Protocol != NotAvailable)
            {
                return new(NegotiationStatus.ProtocolError, null, $"unexpected answer '{answer.Protocol}' to '{protocols[i]}'");
            }
        }

        return new(NegotiationStatus.NotSupported, null, $"remote refused {string.Join(", ", protocols)}");
    }

    /// <summary>
    /// Listener: sends the header, checks the remote's, then answers proposals ("na" for
    /// unsupported ones, and for "ls") until one is supported, which it echoes.
    /// </summary>
    public static async Task<NegotiationResult> ListenAsync(Stream stream, Func<string, bool> isSupported, CancellationToken cancellationToken)
    {
        await WriteAsync(stream, cancellationToken, ProtocolId).ConfigureAwait(false);
        var header = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (header.Status != NegotiationStatus.Agreed)
        {
            return header;
        }

        if (header.Protocol != ProtocolId)
        {
            return new(NegotiationStatus.ProtocolError, null, $"unexpected header '{header.Protocol}'");
        }

        while (true)
        {
            var proposal = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false);
            if (proposal.Status != NegotiationStatus.Agreed)
            {
                return proposal;
            }

            var protocol = proposal.Protocol!;
            if (protocol != ProtocolId && isSupported(protocol))
            {
                await WriteAsync(stream, cancellationToken, protocol).ConfigureAwait(false);
                return proposal;
            }

            await WriteAsync(stream, cancellationToken, NotAvailable).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads exactly one message: the varint byte by byte, then its body, so bytes that follow
    /// (pipelined proposals or the next protocol's data) stay in the stream.
    /// </summary>
    public static async Task<NegotiationResult> ReadMessageAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Varint.MaxLength + MaxMessageLength);
        try
        {
            var filled = 0;
            ulong length;
            int prefix;
            while (true)
            {
                var status = Varint.TryRead(buffer.AsSpan(0, filled), out length, out prefix);
                if (status == VarintStatus.Ok)
                {
                    break;
                }

                if (status != VarintStatus.NeedMoreData)
                {
                    return new(NegotiationStatus.ProtocolError, null, "malformed varint");
                }

                if (await stream.ReadAsync(buffer.AsMemory(filled, 1), cancellationToken).ConfigureAwait(false) == 0)
                {
                    return new(NegotiationStatus.EndOfStream, null, "stream ended during negotiation");
                }

                filled++;
            }

            if (length == 0 || length > MaxMessageLength)
            {
                return new(NegotiationStatus.ProtocolError, null, $"multistream line of {length} bytes (cap {MaxMessageLength})");
            }

            var end = prefix + (int)length;
            while (filled < end)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled, end - filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return new(NegotiationStatus.EndOfStream, null, "stream ended during negotiation");
                }

                filled += read;
            }

            return TryParse(buffer.AsSpan(0, filled), out var message, out _) == LineParseStatus.Ok
                ? new(NegotiationStatus.Agreed, message, null)
                : new(NegotiationStatus.ProtocolError, null, "malformed multistream message");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task WriteAsync(Stream stream, CancellationToken cancellationToken, params string[] messages)
    {
        var writer = new ArrayBufferWriter<byte>(64);
        foreach (var message in messages)
        {
            WriteMessage(writer, message);
        }

        await stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, out string? text)
    {
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }
}
