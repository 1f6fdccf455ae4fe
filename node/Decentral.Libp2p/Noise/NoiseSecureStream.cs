using System.Buffers;
using System.Buffers.Binary;

namespace Decentral.Libp2p.Noise;

/// <summary>
/// The Noise transport phase over a raw stream: each write is cut into frames of at most
/// 65535 bytes (65519 plaintext + 16-byte tag), each prefixed by a 2-byte big-endian length.
/// A frame that fails to decrypt or is shorter than a tag raises <see cref="InvalidDataException"/>:
/// the connection cannot continue after it. One reader and one writer may run concurrently.
/// </summary>
/// <remarks>
/// Throughput: a write encrypts up to <see cref="WriteBatchFrames"/> frames into one buffer and
/// hands them to the transport in one call; a read takes whatever the transport has (up to
/// <see cref="ReceiveBufferBytes"/>), so several frames cost one system call, and a frame is
/// decrypted straight into the reader's buffer when it fits there (in place otherwise).
/// Memory: buffers are pooled and held only while data is in flight; a connection whose reader
/// waits for the next frame header holds no large buffer.
/// </remarks>
public sealed class NoiseSecureStream : AsyncDuplexStream
{
    /// <summary>Largest plaintext in one frame.</summary>
    public const int MaxPlaintext = NoiseHandshake.MaxMessageLength - CipherState.TagLength;

    /// <summary>Most frames one transport write carries.</summary>
    public const int WriteBatchFrames = 4;

    /// <summary>Size of the pooled receive buffer (holds at least one whole frame with its length prefix).</summary>
    public const int ReceiveBufferBytes = 256 * 1024;

    private readonly Stream _inner;
    private readonly CipherState _send;
    private readonly CipherState _receive;
    private readonly byte[] _header = new byte[2];

    // Receive state: _rx[_rxStart.._rxEnd) are bytes from the transport not yet parsed;
    // _rx[_plainStart.._plainEnd) is decrypted plaintext not yet read (it precedes _rxStart).
    private byte[]? _rx;
    private int _rxStart;
    private int _rxEnd;
    private int _plainStart;
    private int _plainEnd;
    private int _disposed;

    internal NoiseSecureStream(Stream inner, CipherState send, CipherState receive)
    {
        _inner = inner;
        _send = send;
        _receive = receive;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_plainStart == _plainEnd)
        {
            var direct = await ReadFrameAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (direct == 0)
            {
                return 0;
            }

            if (direct > 0)
            {
                return direct - 1;
            }
        }

        var count = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _rx!.AsSpan(_plainStart, count).CopyTo(buffer.Span);
        _plainStart += count;
        ReleaseIfDrained();
        return count;
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAsync(ReadOnlyMemory<byte>.Empty, buffer, cancellationToken);

    /// <summary>
    /// Writes <paramref name="head"/> followed by <paramref name="body"/> as one byte sequence
    /// (a muxer header and its payload) without first copying them into one buffer: only the
    /// frame that holds the head is assembled, the rest is encrypted straight from the body.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var total = head.Length + body.Length;
        if (total == 0)
        {
            return;
        }

        var frames = (total + MaxPlaintext - 1) / MaxPlaintext;
        var batch = ArrayPool<byte>.Shared.Rent(Math.Min(frames, WriteBatchFrames) * (2 + CipherState.TagLength) + Math.Min(total, WriteBatchFrames * MaxPlaintext));
        try
        {
            while (!head.IsEmpty || !body.IsEmpty)
            {
                var used = 0;
                for (var i = 0; i < WriteBatchFrames && (!head.IsEmpty || !body.IsEmpty); i++)
                {
                    var chunk = Math.Min(head.Length + body.Length, MaxPlaintext);
                    BinaryPrimitives.WriteUInt16BigEndian(batch.AsSpan(used), (ushort)(chunk + CipherState.TagLength));
                    var sealedFrame = batch.AsSpan(used + 2, chunk + CipherState.TagLength);
                    if (head.IsEmpty)
                    {
                        _send.Encrypt([], body.Span[..chunk], sealedFrame);
                        body = body[chunk..];
                    }
                    else
                    {
                        // Assemble this frame's plaintext where its ciphertext goes, then seal in place.
                        var fromHead = Math.Min(head.Length, chunk);
                        head.Span[..fromHead].CopyTo(sealedFrame);
                        body.Span[..(chunk - fromHead)].CopyTo(sealedFrame[fromHead..]);
                        _send.Encrypt([], sealedFrame[..chunk], sealedFrame);
                        head = head[fromHead..];
                        body = body[(chunk - fromHead)..];
                    }

                    used += 2 + chunk + CipherState.TagLength;
                }

                await _inner.WriteAsync(batch.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _inner.Dispose();
            _send.Dispose();
            _receive.Dispose();

            // A receive buffer still held is left to the GC, not returned to the pool: a read
            // that is being torn down may still write into it.
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Parses and decrypts the next frame: straight into <paramref name="destination"/> when its
    /// plaintext fits there (returns bytes + 1, saving a copy), else into the receive buffer
    /// (returns -1). Returns 0 at a clean end of the transport.
    /// </summary>
    private async ValueTask<int> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_rx is null)
        {
            // Nothing buffered: wait for the next header with no large buffer held, then take one.
            var read = await _inner.ReadAtLeastAsync(_header, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return 0;
            }

            if (read < 2)
            {
                throw new InvalidDataException("Connection ended inside a Noise frame header.");
            }

            _rx = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
            _header.CopyTo(_rx, 0);
            _rxStart = _plainStart = _plainEnd = 0;
            _rxEnd = 2;
        }

        if (!await FillAsync(2, cancellationToken).ConfigureAwait(false))
        {
            return _rxEnd == _rxStart
                ? 0
                : throw new InvalidDataException("Connection ended inside a Noise frame header.");
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(_rx.AsSpan(_rxStart));
        if (length < CipherState.TagLength)
        {
            throw new InvalidDataException($"Noise frame of {length} bytes is shorter than a tag.");
        }

        if (!await FillAsync(2 + length, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException("Connection ended inside a Noise frame (truncated).");
        }

        var frame = _rx.AsSpan(_rxStart + 2, length);
        var plainLength = length - CipherState.TagLength;
        var intoDestination = plainLength > 0 && plainLength <= destination.Length;
        var plain = intoDestination ? destination.Span[..plainLength] : frame[..plainLength];
        if (!_receive.TryDecrypt([], frame, plain))
        {
            throw new InvalidDataException("Noise frame failed to decrypt (bad AEAD tag).");
        }

        // An empty frame is legal: it authenticates and yields nothing; the caller reads on.
        _plainStart = _plainEnd = _rxStart + 2;
        if (!intoDestination)
        {
            _plainEnd += plainLength;
        }

        _rxStart += 2 + length;
        ReleaseIfDrained();
        return intoDestination ? plainLength + 1 : -1;
    }

    /// <summary>Makes at least <paramref name="count"/> unparsed bytes available; false if the transport ended first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        var rx = _rx!;
        if (_rxEnd - _rxStart >= count)
        {
            return true;
        }

        if (_rxStart + count > rx.Length)
        {
            // Compact: plaintext before _rxStart has been read (frames are parsed only then).
            rx.AsSpan(_rxStart, _rxEnd - _rxStart).CopyTo(rx);
            _rxEnd -= _rxStart;
            _plainStart = _plainEnd = _rxStart = 0;
        }

        while (_rxEnd - _rxStart < count)
        {
            var read = await _inner.ReadAsync(rx.AsMemory(_rxEnd), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _rxEnd += read;
        }

        return true;
    }

    private void ReleaseIfDrained()
    {
        if (_rx is not null && _plainStart == _plainEnd && _rxStart == _rxEnd)
        {
            ArrayPool<byte>.Shared.Return(_rx);
            _rx = null;
            _rxStart = _rxEnd = _plainStart = _plainEnd = 0;
        }
    }
}
