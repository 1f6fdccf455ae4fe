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
    private readonly byte[] _readFrame = ArrayPool<byte>.Shared.Rent(NoiseHandshake.MaxMessageLength);
    private readonly byte[] _plain = ArrayPool<byte>.Shared.Rent(MaxPlaintext);
    private readonly byte[] _writeFrame = ArrayPool<byte>.Shared.Rent(2 + NoiseHandshake.MaxMessageLength);
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
        while (_plainStart == _plainEnd)
        {
            if (!await ReadFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, count).CopyTo(buffer.Span);
        _plainStart += count;
        return count;
    }

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var chunk = Math.Min(buffer.Length, MaxPlaintext);
            BinaryPrimitives.WriteUInt16BigEndian(_writeFrame, (ushort)(chunk + CipherState.TagLength));
            _send.Encrypt([], buffer.Span[..chunk], _writeFrame.AsSpan(2));
            await _inner.WriteAsync(_writeFrame.AsMemory(0, 2 + chunk + CipherState.TagLength), cancellationToken).ConfigureAwait(false);
            buffer = buffer[chunk..];
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

            // The arrays go back to the pool only here, after the socket is closed, because a
            // pending read or write may still hold them until the close makes it fail.
            ArrayPool<byte>.Shared.Return(_readFrame);
            ArrayPool<byte>.Shared.Return(_plain);
            ArrayPool<byte>.Shared.Return(_writeFrame);
        }

        base.Dispose(disposing);
    }

    private async ValueTask<bool> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var header = _readFrame.AsMemory(0, 2);
        var read = await _inner.ReadAtLeastAsync(header, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return false;
        }

        if (read < 2)
        {
            throw new InvalidDataException("Connection ended inside a Noise frame header.");
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(_readFrame);
        if (length < CipherState.TagLength)
        {
            throw new InvalidDataException($"Noise frame of {length} bytes is shorter than a tag.");
        }

        if (await _inner.ReadAtLeastAsync(_readFrame.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length)
        {
            throw new InvalidDataException("Connection ended inside a Noise frame (truncated).");
        }

        if (!_receive.TryDecrypt([], _readFrame.AsSpan(0, length), _plain))
        {
            throw new InvalidDataException("Noise frame failed to decrypt (bad AEAD tag).");
        }

        _plainStart = 0;
        _plainEnd = length - CipherState.TagLength;
        return true;
    }
}
