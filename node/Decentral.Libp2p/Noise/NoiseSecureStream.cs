using System.Buffers;
using System.Buffers.Binary;

namespace Decentral.Libp2p.Noise;

/// <summary>
/// The Noise transport phase over a raw stream: each write is cut into frames of at most
/// 65535 bytes (65519 plaintext + 16-byte tag), each prefixed by a 2-byte big-endian length.
/// A frame that fails to decrypt or is shorter than a tag raises <see cref="InvalidDataException"/>:
/// the connection cannot continue after it. One reader and one writer may run concurrently.
/// </summary>
public sealed class NoiseSecureStream : AsyncDuplexStream
{
    /// <summary>Largest plaintext in one frame.</summary>
    public const int MaxPlaintext = NoiseHandshake.MaxMessageLength - CipherState.TagLength;

    private readonly Stream _inner;
    private readonly CipherState _send;
    private readonly CipherState _receive;
    private readonly byte[] _header = new byte[2];

    // Pooled buffers are held only while a frame is in flight, so an idle connection (blocked
    // reading a frame header) holds no large buffer.
    private byte[]? _plain;
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
        while (_plain is null)
        {
            if (!await ReadFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, count).CopyTo(buffer.Span);
        _plainStart += count;
        if (_plainStart == _plainEnd)
        {
            ArrayPool<byte>.Shared.Return(_plain);
            _plain = null;
        }

        return count;
    }

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var frame = ArrayPool<byte>.Shared.Rent(2 + Math.Min(buffer.Length, MaxPlaintext) + CipherState.TagLength);
        try
        {
            while (!buffer.IsEmpty)
            {
                var chunk = Math.Min(buffer.Length, MaxPlaintext);
                BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(chunk + CipherState.TagLength));
                _send.Encrypt([], buffer.Span[..chunk], frame.AsSpan(2));
                await _inner.WriteAsync(frame.AsMemory(0, 2 + chunk + CipherState.TagLength), cancellationToken).ConfigureAwait(false);
                buffer = buffer[chunk..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
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
        }

        base.Dispose(disposing);
    }

    private async ValueTask<bool> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var read = await _inner.ReadAtLeastAsync(_header, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return false;
        }

        if (read < 2)
        {
            throw new InvalidDataException("Connection ended inside a Noise frame header.");
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(_header);
        if (length < CipherState.TagLength)
        {
            throw new InvalidDataException($"Noise frame of {length} bytes is shorter than a tag.");
        }

        var frame = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (await _inner.ReadAtLeastAsync(frame.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length)
            {
                throw new InvalidDataException("Connection ended inside a Noise frame (truncated).");
            }

            if (length == CipherState.TagLength)
            {
                // An empty frame is legal; authenticate it and keep reading.
                return _receive.TryDecrypt([], frame.AsSpan(0, length), [])
                    ? true
                    : throw new InvalidDataException("Noise frame failed to decrypt (bad AEAD tag).");
            }

            var plain = ArrayPool<byte>.Shared.Rent(length - CipherState.TagLength);
            if (!_receive.TryDecrypt([], frame.AsSpan(0, length), plain))
            {
                ArrayPool<byte>.Shared.Return(plain);
                throw new InvalidDataException("Noise frame failed to decrypt (bad AEAD tag).");
            }

            _plain = plain;
            _plainStart = 0;
            _plainEnd = length - CipherState.TagLength;
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
